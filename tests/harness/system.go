package harness

import (
	"context"
	"testing"
	"time"
)

// System is a running hookmesh: every service as its own process on free
// ports, with its own database.
type System struct {
	// HTTPAddr, AdminAddr are the edge's public and admin listeners.
	HTTPAddr, AdminAddr string
	// GRPC holds each service's gRPC address by name.
	GRPC map[string]string
	// DatabaseURL is the ledger's database.
	DatabaseURL string
	// Procs holds each service's process by name.
	Procs map[string]*Process
}

// StartSystem builds and starts the services with env added to each (for
// example HOOKMESH_SECRET_<PLATFORM>), and waits until the edge is ready.
func StartSystem(t testing.TB, env map[string]string) *System {
	t.Helper()
	bins := Build(t, t.TempDir())
	s := &System{
		HTTPAddr:    FreeAddr(t),
		AdminAddr:   FreeAddr(t),
		GRPC:        map[string]string{},
		DatabaseURL: NewDatabase(t),
		Procs:       map[string]*Process{},
	}
	for _, name := range Services {
		s.GRPC[name] = FreeAddr(t)
	}
	common := map[string]string{
		"DATABASE_URL":                  s.DatabaseURL,
		"HOOKMESH_HTTP_ADDR":            s.HTTPAddr,
		"HOOKMESH_ADMIN_ADDR":           s.AdminAddr,
		"HOOKMESH_EDGE_GRPC_ADDR":       s.GRPC["edge"],
		"HOOKMESH_NORMALIZER_GRPC_ADDR": s.GRPC["normalizer"],
		"HOOKMESH_LEDGER_GRPC_ADDR":     s.GRPC["ledger"],
		"HOOKMESH_NORMALIZER_TARGET":    s.GRPC["normalizer"],
		"HOOKMESH_LEDGER_TARGET":        s.GRPC["ledger"],
		"HOOKMESH_LOG_LEVEL":            "debug",
	}
	for k, v := range env {
		common[k] = v
	}
	for _, name := range Services {
		s.Procs[name] = Start(t, name, bins[name], common)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := WaitHTTP(ctx, "http://"+s.HTTPAddr+"/ready", 200); err != nil {
		t.Fatalf("system not ready: %v", err)
	}
	return s
}
