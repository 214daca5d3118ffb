package chaos

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/hookmesh/hookmesh/tests/harness"
)

// Subscription is the name of the subscription that routes every
// normalized event to the recording handler.
const Subscription = "chaos-recorder"

// HandlerSchema is the recording handler's schema in the test database.
const HandlerSchema = "chaos"

// seed subscribes the recording handler to everything, with retries so
// generous that no delivery can run out of attempts during the faults: a
// dead letter in this run is a finding, not a policy outcome. The handler
// answers UNAVAILABLE (network class) on any failure of its own; the
// downstream class is covered too in case a kill surfaces as another code.
const seedTemplate = `subscriptions:
  - name: ` + Subscription + `
    target: %s
    timeout: 5s
    max_concurrency: 32
    retry_policy:
      network: {max_attempts: 100000, delay: 0.1s, max_delay: 1s}
      downstream: {max_attempts: 100000, delay: 0.1s, max_delay: 1s}
      throttled: {max_attempts: 100000, delay: 0.5s}
`

// Services are the processes the harness runs, in start order; the kill
// order of a fault round is faultOrder.
var startOrder = []string{"ledger", "normalizer", "edge", "dispatcher", "handler"}

// faultOrder is the order in which each round SIGKILLs the services.
var faultOrder = []string{"edge", "normalizer", "ledger", "dispatcher", "handler"}

// system is the running hookmesh under test plus the recording handler.
type system struct {
	httpAddr, adminAddr string
	grpc                map[string]string
	dbURL               string
	procs               map[string]*harness.Process
}

// startSystem builds the binaries and starts every process on a fresh
// database, waiting until each is ready.
func startSystem(t *testing.T) *system {
	t.Helper()
	dir := t.TempDir()
	bins := buildAll(t, dir)
	s := &system{
		httpAddr:  harness.FreeAddr(t),
		adminAddr: harness.FreeAddr(t),
		grpc:      map[string]string{},
		dbURL:     harness.NewDatabase(t),
		procs:     map[string]*harness.Process{},
	}
	for _, name := range startOrder {
		s.grpc[name] = harness.FreeAddr(t)
	}
	seed := filepath.Join(dir, "subscriptions.yaml")
	if err := os.WriteFile(seed, []byte(fmt.Sprintf(seedTemplate, s.grpc["handler"])), 0o600); err != nil {
		t.Fatal(err)
	}
	env := commonEnv(s.dbURL, seed, s.grpc["handler"])
	maps.Copy(env, map[string]string{
		"HOOKMESH_HTTP_ADDR":  s.httpAddr,
		"HOOKMESH_ADMIN_ADDR": s.adminAddr,
		// Not the fixed defaults: tests run beside each other and beside
		// a running system.
		"HOOKMESH_NORMALIZER_ADMIN_ADDR": harness.FreeAddr(t),
		"HOOKMESH_LEDGER_ADMIN_ADDR":     harness.FreeAddr(t),
		"HOOKMESH_DISPATCHER_ADMIN_ADDR": harness.FreeAddr(t),
		"HOOKMESH_EDGE_GRPC_ADDR":        s.grpc["edge"],
		"HOOKMESH_NORMALIZER_GRPC_ADDR":  s.grpc["normalizer"],
		"HOOKMESH_LEDGER_GRPC_ADDR":      s.grpc["ledger"],
		"HOOKMESH_DISPATCHER_GRPC_ADDR":  s.grpc["dispatcher"],
		"HOOKMESH_NORMALIZER_TARGET":     s.grpc["normalizer"],
		"HOOKMESH_LEDGER_TARGET":         s.grpc["ledger"],
		"HOOKMESH_DISPATCHER_ID":         "chaos-dispatcher",
	})
	for _, name := range startOrder {
		s.procs[name] = harness.Start(t, name, bins[name], env)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		err := s.waitReady(ctx, name)
		cancel()
		if err != nil {
			t.Fatalf("%s not ready: %v\n%s", name, err, s.procs[name].Logs())
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := harness.WaitHTTP(ctx, "http://"+s.httpAddr+"/ready", http.StatusOK); err != nil {
		t.Fatalf("edge not ready: %v", err)
	}
	return s
}

// commonEnv is what every process of a chaos system gets, whatever its
// addresses: the database, the seed, the recording handler, and settings
// that suit a generator sending every platform from one address.
func commonEnv(dbURL, seed, handlerAddr string) map[string]string {
	return map[string]string{
		"DATABASE_URL":                dbURL,
		"HOOKMESH_SUBSCRIPTIONS_FILE": seed,
		"HOOKMESH_DISPATCHER_POLL":    "500ms",
		"HOOKMESH_BREAKER_OPEN_FOR":   "1s",
		// Every platform with its public development secrets; the load
		// generator signs with edge.DevSigningSecrets.
		"HOOKMESH_DEV_SECRETS": "true",
		// The load generator is one address sending every platform: the
		// rate limits would turn the run into a 429 test.
		"HOOKMESH_RATE_LIMIT_PLATFORM": "0",
		"HOOKMESH_RATE_LIMIT_SOURCE":   "0",
		"HOOKMESH_LOG_LEVEL":           "info",
		// The recording handler.
		"CHAOS_HANDLER_ADDR":   handlerAddr,
		"CHAOS_HANDLER_SCHEMA": HandlerSchema,
	}
}

// buildAll returns the services (built once per test process, see
// harness.Binaries) and the recording handler, built into dir.
func buildAll(t *testing.T, dir string) map[string]string {
	t.Helper()
	bins := maps.Clone(harness.Binaries(t))
	bins["handler"] = filepath.Join(dir, "chaos-handler")
	if b, err := exec.Command("go", "build", "-o", bins["handler"], "github.com/hookmesh/hookmesh/tests/chaos/handler").CombinedOutput(); err != nil {
		t.Fatalf("build chaos handler: %v\n%s", err, b)
	}
	return bins
}

// waitReady waits until the process name answers as ready: the edge's
// /ready (which needs the normalizer and the ledger), gRPC health SERVING
// for the others. Each wait dials afresh with a short reconnect backoff, so
// a connection that saw the process die does not hide its return.
func (s *system) waitReady(ctx context.Context, name string) error {
	if name == "edge" {
		return harness.WaitHTTP(ctx, "http://"+s.httpAddr+"/ready", http.StatusOK)
	}
	return waitServing(ctx, s.grpc[name])
}

// waitServing waits for gRPC health SERVING at addr, dialling afresh with
// a short reconnect backoff.
func waitServing(ctx context.Context, addr string) error {
	conn, err := grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithConnectParams(grpc.ConnectParams{Backoff: backoff.Config{
			BaseDelay: 50 * time.Millisecond, Multiplier: 1.5, MaxDelay: 250 * time.Millisecond,
		}, MinConnectTimeout: time.Second}))
	if err != nil {
		return err
	}
	defer conn.Close()
	return harness.WaitServing(ctx, conn)
}

// restartPostgres restarts the machine's PostgreSQL cluster (every
// database on it, not only this test's).
func restartPostgres() (string, error) {
	out, err := exec.Command("bash", "-c",
		"pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main restart").CombinedOutput()
	return string(out), err
}
