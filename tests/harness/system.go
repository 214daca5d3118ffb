package harness

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// ConsumerSubscription is the subscription StartSystem seeds: every event
// to the example consumer, with short retry delays so tests observe
// retries in seconds.
const ConsumerSubscription = "example-consumer"

const seedTemplate = `subscriptions:
  - name: example-consumer
    target: %s
    timeout: 5s
    retry_policy:
      network: {max_attempts: 20, delay: 0.2s, max_delay: 2s}
      downstream: {max_attempts: 3, delay: 0.2s}
`

// System is a running hookmesh: every service as its own process on free
// ports, with its own database.
type System struct {
	// HTTPAddr, AdminAddr are the edge's public and admin listeners.
	HTTPAddr, AdminAddr string
	// Admin holds each service's admin listener (/metrics, /health,
	// /ready, /debug/pprof/) by name; Admin["edge"] is AdminAddr.
	Admin map[string]string
	// GRPC holds each service's gRPC address by name.
	GRPC map[string]string
	// DatabaseURL is the ledger's database.
	DatabaseURL string
	// Procs holds each service's process by name.
	Procs map[string]*Process
}

// StartSystem builds (once per test process, see Binaries) and starts the services with env added to each (for
// example HOOKMESH_SECRET_<PLATFORM>), and waits until the edge is ready.
func StartSystem(t testing.TB, env map[string]string) *System {
	t.Helper()
	return StartSystemEach(t, env, nil)
}

// StartSystemEach is StartSystem with, beside the env of every service,
// each service's own variables by name (a service's certificate, its
// role token), which win over env.
func StartSystemEach(t testing.TB, env map[string]string, each map[string]map[string]string) *System {
	t.Helper()
	bins := Binaries(t)
	s := &System{
		HTTPAddr:    FreeAddr(t),
		AdminAddr:   FreeAddr(t),
		GRPC:        map[string]string{},
		Admin:       map[string]string{},
		DatabaseURL: NewDatabase(t),
		Procs:       map[string]*Process{},
	}
	for _, name := range Services {
		s.GRPC[name] = FreeAddr(t)
	}
	s.Admin["edge"] = s.AdminAddr
	for _, name := range []string{"normalizer", "ledger", "dispatcher"} {
		s.Admin[name] = FreeAddr(t)
	}
	seed := filepath.Join(t.TempDir(), "subscriptions.yaml")
	if err := os.WriteFile(seed, []byte(fmt.Sprintf(seedTemplate, s.GRPC["consumer"])), 0o600); err != nil {
		t.Fatal(err)
	}
	common := map[string]string{
		"DATABASE_URL":                   s.DatabaseURL,
		"HOOKMESH_HTTP_ADDR":             s.HTTPAddr,
		"HOOKMESH_ADMIN_ADDR":            s.AdminAddr,
		"HOOKMESH_NORMALIZER_ADMIN_ADDR": s.Admin["normalizer"],
		"HOOKMESH_LEDGER_ADMIN_ADDR":     s.Admin["ledger"],
		"HOOKMESH_DISPATCHER_ADMIN_ADDR": s.Admin["dispatcher"],
		"HOOKMESH_EDGE_GRPC_ADDR":        s.GRPC["edge"],
		"HOOKMESH_NORMALIZER_GRPC_ADDR":  s.GRPC["normalizer"],
		"HOOKMESH_LEDGER_GRPC_ADDR":      s.GRPC["ledger"],
		"HOOKMESH_NORMALIZER_TARGET":     s.GRPC["normalizer"],
		"HOOKMESH_LEDGER_TARGET":         s.GRPC["ledger"],
		"HOOKMESH_DISPATCHER_GRPC_ADDR":  s.GRPC["dispatcher"],
		"HOOKMESH_CONSUMER_GRPC_ADDR":    s.GRPC["consumer"],
		"HOOKMESH_CONSUMER_SCHEMA":       "example_consumer",
		"HOOKMESH_SUBSCRIPTIONS_FILE":    seed,
		"HOOKMESH_DISPATCHER_POLL":       "500ms",
		"HOOKMESH_BREAKER_OPEN_FOR":      "2s",
		"HOOKMESH_LOG_LEVEL":             "debug",
	}
	for k, v := range env {
		common[k] = v
	}
	for _, name := range Services {
		vars := common
		if len(each[name]) > 0 {
			vars = maps.Clone(common)
			maps.Copy(vars, each[name])
		}
		s.Procs[name] = Start(t, name, bins[name], vars)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := WaitHTTP(ctx, "http://"+s.HTTPAddr+"/ready", 200); err != nil {
		t.Fatalf("system not ready: %v", err)
	}
	for _, name := range Services {
		if !s.Procs[name].Alive() {
			t.Fatalf("%s exited during start:\n%s", name, s.Procs[name].Logs())
		}
	}
	return s
}
