package harness

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

// StartLedger runs the ledger binary on a fresh database and returns its
// address, process and a client. It waits until the ledger is SERVING.
func StartLedger(t testing.TB, bins map[string]string) (string, *Process, ledgerv1.LedgerServiceClient) {
	t.Helper()
	return StartLedgerEnv(t, bins, nil)
}

// StartLedgerEnv is StartLedger with env added (HOOKMESH_TARGET_ALLOW,
// or DATABASE_URL "" and HOOKMESH_DATA_DIR for the embedded store).
func StartLedgerEnv(t testing.TB, bins map[string]string, env map[string]string) (string, *Process, ledgerv1.LedgerServiceClient) {
	t.Helper()
	addr := FreeAddr(t)
	e := map[string]string{
		"HOOKMESH_LEDGER_GRPC_ADDR":  addr,
		"HOOKMESH_LEDGER_ADMIN_ADDR": FreeAddr(t), // not the fixed default: tests run side by side
	}
	if _, ok := env["DATABASE_URL"]; !ok {
		e["DATABASE_URL"] = NewDatabase(t)
	}
	for k, v := range env {
		e[k] = v
	}
	p := Start(t, "ledger", bins["ledger"], e)
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := WaitServing(ctx, conn); err != nil {
		t.Fatalf("ledger: %v", err)
	}
	return addr, p, ledgerv1.NewLedgerServiceClient(conn)
}

// StartDispatcher runs a dispatcher binary against the ledger at
// ledgerAddr, with env added (breaker and poll settings). No normalizer
// runs beside it: its renormalizer points at a free port (never a
// normalizer another test left on the default one) unless env sets
// HOOKMESH_NORMALIZER_TARGET.
func StartDispatcher(t testing.TB, bins map[string]string, name, ledgerAddr string, env map[string]string) *Process {
	t.Helper()
	e := map[string]string{
		"HOOKMESH_LEDGER_TARGET":         ledgerAddr,
		"HOOKMESH_NORMALIZER_TARGET":     FreeAddr(t),
		"HOOKMESH_DISPATCHER_GRPC_ADDR":  FreeAddr(t),
		"HOOKMESH_DISPATCHER_ADMIN_ADDR": FreeAddr(t), // several dispatchers run side by side
		"HOOKMESH_DISPATCHER_ID":         name,
		"HOOKMESH_LOG_LEVEL":             "debug",
	}
	for k, v := range env {
		e[k] = v
	}
	return Start(t, name, bins["dispatcher"], e)
}

// WaitServing polls gRPC health until the server reports SERVING.
func WaitServing(ctx context.Context, conn *grpc.ClientConn) error {
	hc := healthpb.NewHealthClient(conn)
	for {
		resp, err := hc.Check(ctx, &healthpb.HealthCheckRequest{})
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
