package ledger

import (
	"net"
	"sync"

	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// healthGate keeps gRPC health NOT_SERVING until the database is connected.
// grpcserver.Serve marks everything SERVING (Health.Resume) just before the
// gRPC server starts accepting; the gate corrects that on the first Accept,
// before any client can connect, so no caller ever sees SERVING early.
type healthGate struct {
	health   *health.Server
	services []string

	mu        sync.Mutex
	accepting bool // Serve has resumed health and started accepting
	isReady   bool // the database is connected
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
	if g.accepting {
		g.set(healthpb.HealthCheckResponse_SERVING)
	}
}

// accept runs before every Accept; only the first call does anything.
func (g *healthGate) accept() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.accepting {
		return
	}
	g.accepting = true
	if !g.isReady {
		g.set(healthpb.HealthCheckResponse_NOT_SERVING)
	}
}

func (g *healthGate) set(st healthpb.HealthCheckResponse_ServingStatus) {
	for _, s := range g.services {
		g.health.SetServingStatus(s, st)
	}
}

// listener wraps lis so the gate sees the first Accept.
func (g *healthGate) listener(lis net.Listener) net.Listener {
	return &gatedListener{Listener: lis, gate: g}
}

type gatedListener struct {
	net.Listener
	gate *healthGate
}

// Accept tells the gate, then accepts.
func (l *gatedListener) Accept() (net.Conn, error) {
	l.gate.accept()
	return l.Listener.Accept()
}
