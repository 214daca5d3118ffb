package ledger_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/ledger"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/sqlite"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/storetest"
)

// TestRunEmbedded runs the ledger as on a machine without DATABASE_URL:
// it creates its data directory, serves Records from the SQLite file, wakes
// WatchDeliveries in-process, and after a restart on the same directory
// still lists what it recorded before.
func TestRunEmbedded(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data") // missing: Run creates it
	cfg := ledger.Config{DataDir: dir}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	var logs syncBuffer
	conn, stop := runLedgerConfig(t, cfg, &logs)
	waitHealth(t, conn, healthpb.HealthCheckResponse_SERVING)
	c := ledgerv1.NewLedgerServiceClient(conn)
	sub := storetest.Subscription("billing")
	sub.Platforms = []string{"stripe"}
	if _, err := c.CreateSubscription(ctx, &ledgerv1.CreateSubscriptionRequest{Subscription: sub}); err != nil {
		t.Fatal(err)
	}
	stream, err := c.WatchDeliveries(ctx, &ledgerv1.WatchDeliveriesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Header(); err != nil {
		t.Fatal(err)
	}
	req := storetest.Typed("stripe", "evt_embedded", eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED)
	if resp, err := c.Record(ctx, req); err != nil || resp.GetDuplicate() {
		t.Fatalf("Record = %v, %v", resp, err)
	}
	// The listener's own start-up wake-up (no names) may come first; the
	// Record's names the subscription.
	for {
		msg, err := stream.Recv()
		if err != nil {
			t.Fatalf("Recv: %v", err)
		}
		if slices.Equal(msg.GetSubscriptions(), []string{"billing"}) {
			break
		}
		if len(msg.GetSubscriptions()) != 0 {
			t.Fatalf("message = %v, want [billing]", msg)
		}
	}
	if err := stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	l := logs.String()
	if !strings.Contains(l, "store=sqlite") || !strings.Contains(l, filepath.Join(dir, ledger.DataFile)) {
		t.Errorf("start-up log must name the embedded store and its file:\n%s", l)
	}
	info, err := os.Stat(dir)
	if err != nil || info.Mode().Perm() != 0o700 {
		t.Errorf("data directory: %v, %v; want mode 0700", info, err)
	}

	var restarted syncBuffer
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the restarted ledger's log:\n%s", restarted.String())
		}
	})
	conn, stop = runLedgerConfig(t, cfg, &restarted)
	waitHealth(t, conn, healthpb.HealthCheckResponse_SERVING)
	c = ledgerv1.NewLedgerServiceClient(conn)
	list, err := c.ListEvents(ctx, &ledgerv1.ListEventsRequest{})
	if err != nil || len(list.GetEvents()) != 1 || list.GetEvents()[0].GetEventId() != "evt_embedded" {
		t.Fatalf("ListEvents after restart = %v, %v; want the event recorded before", list, err)
	}
	ds, err := c.ListDeliveries(ctx, &ledgerv1.ListDeliveriesRequest{Platform: "stripe", EventId: "evt_embedded"})
	if err != nil || len(ds.GetDeliveries()) != 1 || ds.GetDeliveries()[0].GetSubscription() != "billing" {
		t.Fatalf("ListDeliveries after restart = %v, %v; want billing's", ds, err)
	}
	if resp, err := c.Record(ctx, req); err != nil || resp.GetDuplicate() || resp.GetReceiptId() != req.GetReceipt().GetReceiptId() {
		t.Errorf("the same Record after restart = %v, %v; want the first answer", resp, err)
	}
	if err := stop(); err != nil {
		t.Errorf("Run = %v", err)
	}
}

func TestMigrateCommandEmbedded(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg := ledger.Config{DataDir: filepath.Join(t.TempDir(), "data")}
	for range 2 { // the second run finds nothing to do
		if err := ledger.Migrate(ctx, cfg, slog.New(slog.NewTextHandler(&logs, nil))); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
	}
	ms, err := sqlite.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if l, all := logs.String(), versions(ms); !strings.Contains(l, `applied="`+all+`"`) || !strings.Contains(l, "applied=[]") {
		t.Errorf("want one run applying %s and one applying nothing:\n%s", all, l)
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, ledger.DataFile)); err != nil {
		t.Errorf("no database file after migrate: %v", err)
	}
}
