package ledger_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/ledger"
	"github.com/hookmesh/hookmesh/services/ledger/internal/retention"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres/pgtest"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/storetest"
)

const day = 24 * time.Hour

// TestApplyRetentionSQLite and TestApplyRetentionPostgres run
// ApplyRetention through Run on each store: refused without a policy;
// with one, a dry run that changes nothing, then a pass that drops the
// old event (exported first), clears the body of the middle one and is
// counted in /metrics.
func TestApplyRetentionSQLite(t *testing.T) {
	t.Parallel()
	checkApplyRetention(t, func() ledger.Config { return ledger.Config{DataDir: filepath.Join(t.TempDir(), "data")} })
}

func TestApplyRetentionPostgres(t *testing.T) {
	t.Parallel()
	checkApplyRetention(t, func() ledger.Config { return ledger.Config{DatabaseURL: pgtest.NewDatabaseURL(t)} })
}

func checkApplyRetention(t *testing.T, newConfig func() ledger.Config) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// No policy: FAILED_PRECONDITION.
	off, _ := runAdminLedger(t, newConfig())
	if _, err := off.ApplyRetention(ctx, &ledgerv1.ApplyRetentionRequest{DryRun: true}); status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("ApplyRetention without a policy = %v, want FailedPrecondition", err)
	}

	cfg := newConfig()
	policy, err := retention.Parse("bodies=7d events=30d dedup=60d")
	if err != nil {
		t.Fatal(err)
	}
	policy.ExportDir = filepath.Join(t.TempDir(), "export")
	// The periodic runner stays out of the way: its first pass is far.
	cfg.Retention = ledger.RetentionConfig{Policy: policy, FirstPass: time.Hour}
	cfg.AdminToken = adminToken
	c, base := runAdminLedger(t, cfg)
	authed := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+adminToken)
	now := time.Now()
	for id, age := range map[string]time.Duration{"evt_old": 40 * day, "evt_mid": 10 * day, "evt_new": time.Hour} {
		if _, err := c.Record(ctx, storetest.Request("stripe", "", id, now.Add(-age))); err != nil {
			t.Fatalf("Record(%s): %v", id, err)
		}
	}
	if _, err := c.ApplyRetention(ctx, &ledgerv1.ApplyRetentionRequest{}); status.Code(err) != codes.Unauthenticated {
		t.Errorf("ApplyRetention without the admin token = %v, want Unauthenticated", err)
	}

	dry, err := c.ApplyRetention(authed, &ledgerv1.ApplyRetentionRequest{DryRun: true})
	if err != nil {
		t.Fatalf("ApplyRetention(dry run): %v", err)
	}
	if !dry.GetDryRun() || rows(dry, "events") != 1 || rows(dry, "receipts") != 2 || len(dry.GetExportFiles()) != 0 {
		t.Errorf("dry run = %v, want 1 event and 2 receipts (one deleted, one body), no export", dry)
	}
	if dry.GetPolicy() != "bodies=1w events=4w2d dedup=8w4d" {
		t.Errorf("policy = %q", dry.GetPolicy())
	}
	get := func(id string) (*ledgerv1.GetEventResponse, error) {
		return c.GetEvent(authed, &ledgerv1.GetEventRequest{Platform: "stripe", EventId: id})
	}
	if got, err := get("evt_old"); err != nil || len(got.GetReceipt().GetBody()) == 0 {
		t.Fatalf("after the dry run GetEvent(evt_old) = %v, %v; want it whole", got, err)
	}

	resp, err := c.ApplyRetention(authed, &ledgerv1.ApplyRetentionRequest{})
	if err != nil {
		t.Fatalf("ApplyRetention: %v", err)
	}
	if resp.GetDryRun() || rows(resp, "events") != 1 || rows(resp, "receipts") != 2 {
		t.Errorf("pass = %v, want 1 event and 2 receipts", resp)
	}
	if _, err := get("evt_old"); status.Code(err) != codes.NotFound {
		t.Errorf("GetEvent(evt_old) after the pass = %v, want NotFound", err)
	}
	if got, err := get("evt_mid"); err != nil || len(got.GetReceipt().GetBody()) != 0 || got.GetEvent().GetEventId() != "evt_mid" {
		t.Errorf("GetEvent(evt_mid) after the pass = %v, %v; want the event with an empty body", got, err)
	}
	if got, err := get("evt_new"); err != nil || len(got.GetReceipt().GetBody()) == 0 {
		t.Errorf("GetEvent(evt_new) after the pass = %v, %v; want it whole", got, err)
	}
	// What went was exported first.
	var exported strings.Builder
	for _, f := range resp.GetExportFiles() {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatalf("export file: %v", err)
		}
		exported.Write(b)
	}
	if !strings.Contains(exported.String(), "evt_old") || !strings.Contains(exported.String(), "evt_mid") {
		t.Errorf("export files %v lack evt_old and evt_mid's body:\n%s", resp.GetExportFiles(), exported.String())
	}
	// A duplicate of the dropped event is still one.
	if r, err := c.Record(ctx, storetest.Request("stripe", "", "evt_old", now)); err != nil || !r.GetDuplicate() {
		t.Errorf("retry of the dropped event = %v, %v; want a duplicate", r, err)
	}

	code, text := adminGet(t, base+"/metrics", adminToken)
	if code != http.StatusOK {
		t.Fatalf("/metrics = %d", code)
	}
	for _, want := range []string{
		`hookmesh_ledger_retention_passes_total{result="ok"} 1`,
		`hookmesh_ledger_retention_rows_dropped_total{table="events"} 1`,
		`hookmesh_ledger_retention_rows_dropped_total{table="receipts"} 2`,
		// Presence only: a store may estimate its rows (the exact counts
		// are each store's own test).
		`hookmesh_ledger_table_rows{table="events"} `,
		`hookmesh_ledger_table_bytes{table="receipts"} `,
		`hookmesh_ledger_oldest_event_age_seconds `,
		`hookmesh_ledger_retention_last_pass_seconds `,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", text)
	}
}

func rows(resp *ledgerv1.ApplyRetentionResponse, table string) int64 {
	for _, tr := range resp.GetTables() {
		if tr.GetTable() == table {
			return tr.GetRows()
		}
	}
	return -1
}

// TestRetentionRunner: a ledger restarted with HOOKMESH_RETENTION on an
// embedded store holding an old event drops it in its first periodic pass
// and logs the pass.
func TestRetentionRunner(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cfg := ledger.Config{DataDir: filepath.Join(t.TempDir(), "data")}
	conn, stop := runLedgerConfig(t, cfg, io.Discard)
	waitHealth(t, conn, healthpb.HealthCheckResponse_SERVING)
	c := ledgerv1.NewLedgerServiceClient(conn)
	if _, err := c.Record(ctx, storetest.Request("stripe", "", "evt_old", time.Now().Add(-40*day))); err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	var err error
	if cfg.Retention, err = retentionFromEnvForTest("bodies=7d events=30d"); err != nil {
		t.Fatal(err)
	}
	cfg.Retention.FirstPass = 10 * time.Millisecond
	var logs syncBuffer
	conn, _ = runLedgerConfig(t, cfg, &logs)
	waitHealth(t, conn, healthpb.HealthCheckResponse_SERVING)
	waitLog(t, &logs, "retention pass")
	c = ledgerv1.NewLedgerServiceClient(conn)
	if _, err := c.GetEvent(ctx, &ledgerv1.GetEventRequest{Platform: "stripe", EventId: "evt_old"}); status.Code(err) != codes.NotFound {
		t.Errorf("GetEvent after the first pass = %v, want NotFound", err)
	}
	if l := logs.String(); !strings.Contains(l, "events=1") || !strings.Contains(l, "retention on") {
		t.Errorf("logs lack the pass's counts:\n%s", l)
	}
}

// retentionFromEnvForTest reads the retention settings as the ledger's
// environment would hold them.
func retentionFromEnvForTest(policy string) (ledger.RetentionConfig, error) {
	cfg, err := ledger.ConfigFromEnv(envOf(map[string]string{"HOOKMESH_RETENTION": policy}))
	return cfg.Retention, err
}

// TestRetentionConfig: HOOKMESH_RETENTION* are read, and a bad policy or
// interval stops the start naming the variable.
func TestRetentionConfig(t *testing.T) {
	cfg, err := ledger.ConfigFromEnv(envOf(map[string]string{
		"HOOKMESH_RETENTION": "bodies=7d events=90d stripe.bodies=3d", "HOOKMESH_RETENTION_EXPORT_DIR": "/export",
		"HOOKMESH_RETENTION_INTERVAL": "15m",
	}))
	if err != nil {
		t.Fatal(err)
	}
	r := cfg.Retention
	if r.Policy.String() != "bodies=1w events=12w6d stripe.bodies=3d" || r.Policy.ExportDir != "/export" || r.Interval != 15*time.Minute {
		t.Errorf("retention config = %+v (policy %q)", r, r.Policy)
	}
	if cfg, err := ledger.ConfigFromEnv(envOf(nil)); err != nil || cfg.Retention.Policy.Enabled() || cfg.Retention.Interval != ledger.DefaultRetentionInterval {
		t.Errorf("default retention config = %+v, %v; want off, hourly", cfg.Retention, err)
	}
	for k, v := range map[string]string{"HOOKMESH_RETENTION": "bodies=7x", "HOOKMESH_RETENTION_INTERVAL": "10s"} {
		if _, err := ledger.ConfigFromEnv(envOf(map[string]string{k: v})); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: %v, want an error naming it", k, v, err)
		}
	}
}

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}
