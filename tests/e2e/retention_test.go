package e2e

import (
	"context"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/tests/harness"
)

// TestRetentionAdmin: with HOOKMESH_RETENTION set on the ledger (embedded
// store), POST /v1/retention:apply with dry_run reports what would go and
// changes nothing; `hookmesh ledger retention` drops it and prints the
// table; the event is gone from GET /v1/events and a duplicate of it is
// still answered duplicate. (The PostgreSQL store's retention is tested in
// services/ledger.)
func TestRetentionAdmin(t *testing.T) {
	cli := filepath.Join(t.TempDir(), "hookmesh")
	if out, err := exec.Command("go", "build", "-o", cli, "github.com/hookmesh/hookmesh/services/hookmesh/cmd/hookmesh").CombinedOutput(); err != nil {
		t.Fatalf("build hookmesh: %v\n%s", err, out)
	}
	sys := harness.StartSystemEach(t, systemEnv(), map[string]map[string]string{
		"ledger": {"DATABASE_URL": "", "HOOKMESH_DATA_DIR": t.TempDir(), "HOOKMESH_RETENTION": "bodies=7d events=30d dedup=60d"},
	})
	led := ledgerClient(t, sys)
	record := func(id string, at time.Time) *ledgerv1.RecordResponse {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		resp, err := led.Record(ctx, &ledgerv1.RecordRequest{Receipt: &ledgerv1.Receipt{
			ReceiptId: uuid.NewString(), Platform: "stripe", EventId: id,
			Headers: map[string]string{"content-type": "application/json"},
			Body:    []byte(`{"id":"` + id + `"}`), ReceivedAt: timestamppb.New(at), RemoteAddr: "192.0.2.1:5000",
		}, NormalizationError: "not normalized in this test"})
		if err != nil {
			t.Fatalf("Record(%s): %v", id, err)
		}
		return resp
	}
	record("evt_ret_old", time.Now().Add(-40*24*time.Hour))

	code, b := adminDo(t, sys, http.MethodPost, "/v1/retention:apply", `{"dry_run":true}`)
	var dry ledgerv1.ApplyRetentionResponse
	if code != http.StatusOK || unmarshal(b, &dry) != nil || !dry.GetDryRun() {
		t.Fatalf("POST /v1/retention:apply dry run: %d %s", code, b)
	}
	if n := tableRows(&dry, "events"); n != 1 {
		t.Errorf("dry run: %d events, want 1: %s", n, b)
	}
	if code, b := adminDo(t, sys, http.MethodGet, "/v1/events/stripe/evt_ret_old", ""); code != http.StatusOK {
		t.Fatalf("GET the event after the dry run: %d %s", code, b)
	}

	out := string(runCLI(t, sys, cli, "ledger", "retention"))
	if !strings.Contains(out, "TABLE") || !strings.Contains(out, "events") || !strings.Contains(out, "policy bodies=1w events=4w2d") {
		t.Errorf("hookmesh ledger retention printed:\n%s", out)
	}
	if code, b := adminDo(t, sys, http.MethodGet, "/v1/events/stripe/evt_ret_old", ""); code != http.StatusNotFound {
		t.Errorf("GET the event after the pass: %d %s, want 404", code, b)
	}
	if resp := record("evt_ret_old", time.Now()); !resp.GetDuplicate() {
		t.Errorf("a retry of the dropped event = %v, want a duplicate", resp)
	}
}

func tableRows(r *ledgerv1.ApplyRetentionResponse, table string) int64 {
	for _, tr := range r.GetTables() {
		if tr.GetTable() == table {
			return tr.GetRows()
		}
	}
	return -1
}
