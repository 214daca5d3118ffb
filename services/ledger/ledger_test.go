package ledger_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/ledger"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/migration"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres/pgtest"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/storetest"
)

func TestConfigFromEnv(t *testing.T) {
	t.Parallel()
	lookup := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	cfg, err := ledger.ConfigFromEnv(lookup(map[string]string{"DATABASE_URL": "postgres://u:p@db/ledger"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.GRPCAddr != "127.0.0.1:9092" || cfg.MaxConns != ledger.DefaultMaxConns || cfg.DatabaseURL != "postgres://u:p@db/ledger" {
		t.Errorf("defaults: %+v", cfg)
	}
	cfg, err = ledger.ConfigFromEnv(lookup(map[string]string{
		"DATABASE_URL":                "host=db user=u",
		"HOOKMESH_LEDGER_GRPC_ADDR":   "127.0.0.1:7000",
		"HOOKMESH_LEDGER_MAX_CONNS":   "3",
		"HOOKMESH_SUBSCRIPTIONS_FILE": "/etc/hookmesh/subscriptions.yaml",
	}))
	if err != nil || cfg.GRPCAddr != "127.0.0.1:7000" || cfg.MaxConns != 3 || cfg.SubscriptionsFile != "/etc/hookmesh/subscriptions.yaml" {
		t.Errorf("overrides: %+v, %v", cfg, err)
	}

	// No DATABASE_URL: the embedded store, in ./data unless told.
	cfg, err = ledger.ConfigFromEnv(lookup(map[string]string{}))
	if err != nil || cfg.DatabaseURL != "" || cfg.DataDir != ledger.DefaultDataDir {
		t.Errorf("no DATABASE_URL: %+v, %v; want the embedded store in %s", cfg, err, ledger.DefaultDataDir)
	}
	cfg, err = ledger.ConfigFromEnv(lookup(map[string]string{"HOOKMESH_DATA_DIR": "/var/lib/hookmesh"}))
	if err != nil || cfg.DataDir != "/var/lib/hookmesh" {
		t.Errorf("HOOKMESH_DATA_DIR: %+v, %v", cfg, err)
	}
	if _, err := ledger.ConfigFromEnv(lookup(map[string]string{"HOOKMESH_DATA_DIR": "/tmp/a?b"})); err == nil ||
		!strings.Contains(err.Error(), "HOOKMESH_DATA_DIR") {
		t.Errorf("HOOKMESH_DATA_DIR with '?': %v; want an error naming it", err)
	}
	// Every problem at once, and no password in the message.
	_, err = ledger.ConfigFromEnv(lookup(map[string]string{
		"DATABASE_URL":              "postgres://u:s3cret@db:badport/x",
		"HOOKMESH_LEDGER_MAX_CONNS": "0",
	}))
	if err == nil || !strings.Contains(err.Error(), "HOOKMESH_LEDGER_MAX_CONNS") || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Errorf("two problems: %v; want both reported", err)
	}
	if err != nil && strings.Contains(err.Error(), "s3cret") {
		t.Errorf("config error shows the password: %v", err)
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"postgres://u:s3cret@db:5432/x?sslmode=disable": "postgres://u:xxxxx@db:5432/x?sslmode=disable",
		"postgres://u@db/x":                             "postgres://u@db/x",
		"postgres://db/x?password=s3cret&user=u":        "postgres://db/x?password=xxxxx&user=u",
		"postgres://u:s3#cr/et@db/x":                    "postgres://u:xxxxx@db/x",
		"host=db user=u password=s3cret dbname=x":       "host=db user=u password=xxxxx dbname=x",
		"host=db password='s3 cret' dbname=x":           "host=db password=xxxxx dbname=x",
	} {
		got := ledger.RedactURL(in)
		if strings.Contains(got, "s3") {
			t.Errorf("RedactURL(%q) = %q: password left", in, got)
		}
		if got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runLedger starts Run on a free port and returns a connection to it and a
// function that stops Run and returns its error.
func runLedger(t *testing.T, databaseURL string, log io.Writer) (*grpc.ClientConn, func() error) {
	t.Helper()
	return runLedgerConfig(t, ledger.Config{DatabaseURL: databaseURL, MaxConns: 4}, log)
}

// runLedgerConfig is runLedger with a whole configuration; the listener is
// chosen here.
func runLedgerConfig(t *testing.T, cfg ledger.Config, log io.Writer) (*grpc.ClientConn, func() error) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	cfg.GRPCListener = lis
	if cfg.TargetAllow == nil {
		cfg.TargetAllow = offlineTargets
	}
	go func() { done <- ledger.Run(ctx, cfg, slog.New(slog.NewTextHandler(log, nil))) }()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() error {
		stopped = true
		_ = conn.Close()
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			t.Fatal("Run did not return 30s after its context was cancelled")
			return nil
		}
	}
	t.Cleanup(func() {
		if !stopped {
			_ = stop()
		}
	})
	return conn, stop
}

// waitHealth polls gRPC health until it reports want.
func waitHealth(t *testing.T, conn *grpc.ClientConn, want healthpb.HealthCheckResponse_ServingStatus) {
	t.Helper()
	hc := healthpb.NewHealthClient(conn)
	deadline := time.Now().Add(30 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		resp, err := hc.Check(ctx, &healthpb.HealthCheckRequest{Service: ledgerv1.LedgerService_ServiceDesc.ServiceName})
		cancel()
		if err == nil && resp.GetStatus() == want {
			return
		}
		last = resp.GetStatus().String()
		if err != nil {
			last = err.Error()
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("health never became %v; last: %s", want, last)
}

func TestRun(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.NewDatabaseURL(t) // missing: Run must create it
	u, _ := url.Parse(dbURL)
	u.User = url.UserPassword("postgres", "pw-not-checked") // trust auth ignores it; the log must too
	var logs syncBuffer
	conn, stop := runLedger(t, u.String(), &logs)
	waitHealth(t, conn, healthpb.HealthCheckResponse_SERVING)

	c := ledgerv1.NewLedgerServiceClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req := storetest.Request("stripe", "", "evt_run", time.Now())
	if resp, err := c.Record(ctx, req); err != nil || resp.GetDuplicate() {
		t.Fatalf("Record = %v, %v", resp, err)
	}
	got, err := c.GetEvent(ctx, &ledgerv1.GetEventRequest{Platform: "stripe", EventId: "evt_run"})
	if err != nil || !bytes.Equal(got.GetReceipt().GetBody(), req.GetReceipt().GetBody()) {
		t.Fatalf("GetEvent = %v, %v", got, err)
	}
	if err := stop(); err != nil {
		t.Errorf("Run returned %v after cancel, want nil", err)
	}
	if l := logs.String(); strings.Contains(l, "pw-not-checked") || !strings.Contains(l, "xxxxx") {
		t.Errorf("start-up log must show the URL with the password redacted:\n%s", l)
	}
}

// TestRunWaitsForDatabase starts the ledger before its database is
// reachable: it must serve NOT_SERVING and UNAVAILABLE, then recover alone
// once PostgreSQL answers (here: once a proxy to it starts listening).
func TestRunWaitsForDatabase(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.NewDatabaseURL(t)
	u, _ := url.Parse(dbURL)
	target := u.Host
	hold, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	proxyAddr := hold.Addr().String()
	_ = hold.Close() // nothing listens there yet: connections are refused
	u.Host = proxyAddr

	var logs syncBuffer
	conn, stop := runLedger(t, u.String(), &logs)
	waitHealth(t, conn, healthpb.HealthCheckResponse_NOT_SERVING)
	c := ledgerv1.NewLedgerServiceClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = c.Record(ctx, storetest.Request("stripe", "", "evt_wait", time.Now()))
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("Record while the database is down: %v, want Unavailable", err)
	}

	// The proxy starts only once a refused attempt was logged: started
	// earlier, a busy machine could run the ledger's first attempt after it,
	// and there would be no failure to see.
	waitLog(t, &logs, "database not ready; retrying")
	proxy(t, proxyAddr, target)
	waitHealth(t, conn, healthpb.HealthCheckResponse_SERVING)
	if _, err := c.Record(ctx, storetest.Request("stripe", "", "evt_wait", time.Now())); err != nil {
		t.Fatalf("Record after the database came up: %v", err)
	}
	if err := stop(); err != nil {
		t.Errorf("Run returned %v, want nil", err)
	}
}

// waitLog waits until logs holds text.
func waitLog(t *testing.T, logs *syncBuffer, text string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if strings.Contains(logs.String(), text) {
			return
		}
	}
	t.Fatalf("no log line %q within 30s:\n%s", text, logs.String())
}

// proxy forwards TCP connections from addr to target until the test ends.
func proxy(t *testing.T, addr, target string) {
	t.Helper()
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("proxy listen %s: %v", addr, err)
	}
	var conns sync.WaitGroup
	t.Cleanup(func() {
		_ = lis.Close()
		conns.Wait()
	})
	go func() {
		for {
			in, err := lis.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer conns.Done()
				defer in.Close()
				out, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer out.Close()
				go func() { _, _ = io.Copy(out, in); _ = out.Close() }()
				_, _ = io.Copy(in, out)
			}()
		}
	}()
}

// versions is how the migrate log line shows every migration of ms.
func versions(ms []migration.Migration) string {
	v := make([]int, len(ms))
	for i, m := range ms {
		v[i] = m.Version
	}
	return fmt.Sprint(v)
}

func TestMigrateCommand(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg := ledger.Config{DatabaseURL: pgtest.NewDatabaseURL(t)}
	for range 2 { // the second run finds nothing to do
		if err := ledger.Migrate(ctx, cfg, log); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
	}
	ms, err := postgres.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if l, all := logs.String(), versions(ms); !strings.Contains(l, `applied="`+all+`"`) || !strings.Contains(l, "applied=[]") {
		t.Errorf("want one run applying %s and one applying nothing:\n%s", all, l)
	}
	bad := ledger.Config{DatabaseURL: "postgres://postgres@127.0.0.1:1/x?connect_timeout=2"}
	if err := ledger.Migrate(ctx, bad, log); err == nil {
		t.Error("Migrate against a closed port succeeded")
	}
}
