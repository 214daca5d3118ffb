package ledger

import (
	"sync"

	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// healthGate keeps gRPC health NOT_SERVING until the database is connected.
// grpcserver.Serve marks everything SERVING (Health.Resume) just before it
// serves; the gate corrects that in grpcserver's Starting hook, before any
// call is served over gRPC or in process, so no caller ever sees SERVING
// early.
type healthGate struct {
	health   *health.Server
	services []string

	mu      sync.Mutex
	started bool // Serve has resumed health and is about to serve
	isReady bool // the database is connected
}

func newHealthGate(h *health.Server, service string) *healthGate {
	return &healthGate{health: h, services: []string{"", service}}
}

// ready marks the database connected: SERVING from now on. Once Serve is
// shutting down, the health server ignores the change.
func (g *healthGate) ready() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.isReady = true
	if g.started {
		g.set(healthpb.HealthCheckResponse_SERVING)
	}
}

// serving is grpcserver.Server.Starting: Serve has resumed health and
// serves nothing yet. Both states are set explicitly: Resume only resumes
// the names the health server already knows, and when the database
// connected first (an embedded store reopened in milliseconds) the
// service's name was never set, so it would answer "unknown service" for
// as long as the ledger runs.
func (g *healthGate) serving() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.started = true
	if g.isReady {
		g.set(healthpb.HealthCheckResponse_SERVING)
	} else {
		g.set(healthpb.HealthCheckResponse_NOT_SERVING)
	}
}

func (g *healthGate) set(st healthpb.HealthCheckResponse_ServingStatus) {
	for _, s := range g.services {
		g.health.SetServingStatus(s, st)
	}
}
