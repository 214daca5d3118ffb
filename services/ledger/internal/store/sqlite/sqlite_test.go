package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"modernc.org/sqlite"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
	sqlitestore "github.com/hookmesh/hookmesh/services/ledger/internal/store/sqlite"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/storetest"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// open opens the database at path, closed when the test ends.
func open(t *testing.T, path string) *sqlitestore.Store {
	t.Helper()
	s, err := sqlitestore.Open(testCtx(t), path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, filepath.Join(t.TempDir(), "ledger.db"))
	})
}

// TestRestart writes with one Store, closes it and reads everything back
// through another Store on the same file: what Record acknowledged is on
// disk, not in a connection's memory.
func TestRestart(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ledger.db")
	first := open(t, path)
	ms, err := sqlitestore.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	var all []int
	for _, m := range ms {
		all = append(all, m.Version)
	}
	if got := first.Applied(); !slices.Equal(got, all) || len(all) < 4 {
		t.Errorf("first Open applied %v, want every migration %v", got, all)
	}
	ctx := testCtx(t)
	sub := storetest.Subscription("billing")
	sub.Platforms = []string{"stripe"}
	sub.RetryPolicy = &ledgerv1.RetryPolicy{Network: &ledgerv1.ClassPolicy{MaxAttempts: 3}}
	created, err := first.CreateSubscription(ctx, &ledgerv1.CreateSubscriptionRequest{Subscription: sub})
	if err != nil {
		t.Fatal(err)
	}
	req := storetest.Typed("stripe", "evt_1", eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED)
	if _, err := first.Record(ctx, req); err != nil {
		t.Fatal(err)
	}
	before, err := first.ListDeliveries(ctx, &ledgerv1.ListDeliveriesRequest{Platform: "stripe", EventId: "evt_1"})
	if err != nil || len(before.GetDeliveries()) != 1 {
		t.Fatalf("ListDeliveries = %v, %v; want one", before, err)
	}
	first.Close()

	second := open(t, path)
	if got := second.Applied(); len(got) != 0 {
		t.Errorf("second Open applied %v, want nothing", got)
	}
	events, err := second.ListEvents(ctx, &ledgerv1.ListEventsRequest{})
	if err != nil || len(events.GetEvents()) != 1 || !proto.Equal(events.GetEvents()[0].GetEvent(), req.GetEvent()) {
		t.Fatalf("ListEvents after restart = %v, %v; want the recorded event", events, err)
	}
	got, err := second.GetEvent(ctx, &ledgerv1.GetEventRequest{Platform: "stripe", EventId: "evt_1"})
	if err != nil || string(got.GetReceipt().GetBody()) != string(req.GetReceipt().GetBody()) {
		t.Fatalf("GetEvent after restart = %v, %v", got, err)
	}
	after, err := second.ListDeliveries(ctx, &ledgerv1.ListDeliveriesRequest{Platform: "stripe", EventId: "evt_1"})
	if err != nil || len(after.GetDeliveries()) != 1 || !proto.Equal(after.GetDeliveries()[0], before.GetDeliveries()[0]) {
		t.Fatalf("deliveries after restart = %v, %v; want %v", after, err, before)
	}
	subs, err := second.ListSubscriptions(ctx, &ledgerv1.ListSubscriptionsRequest{})
	if err != nil || len(subs.GetSubscriptions()) != 1 || !proto.Equal(subs.GetSubscriptions()[0], created.GetSubscription()) {
		t.Fatalf("subscriptions after restart = %v, %v; want %v", subs, err, created)
	}
	// The restarted store goes on where the first stopped.
	if leases, err := second.ClaimDeliveries(ctx, &ledgerv1.ClaimDeliveriesRequest{}); err != nil || len(leases.GetLeases()) != 1 {
		t.Fatalf("claim after restart = %v, %v; want the delivery", leases, err)
	}
	if r, err := second.Record(ctx, req); err != nil || r.GetDuplicate() || r.GetReceiptId() != req.GetReceipt().GetReceiptId() {
		t.Fatalf("same Record after restart = %v, %v; want the first answer", r, err)
	}
}

// TestErrorsCarryNoDriverType holds the store to its promise that no
// driver error escapes: a reused receipt id is a conflict by class only.
func TestErrorsCarryNoDriverType(t *testing.T) {
	t.Parallel()
	s := open(t, filepath.Join(t.TempDir(), "ledger.db"))
	ctx := testCtx(t)
	first := storetest.Request("stripe", "", "evt_a", time.Now())
	if _, err := s.Record(ctx, first); err != nil {
		t.Fatal(err)
	}
	other := storetest.Request("stripe", "", "evt_b", time.Now())
	other.Receipt.ReceiptId = first.GetReceipt().GetReceiptId()
	_, err := s.Record(ctx, other)
	if !errors.Is(err, apperr.ErrConflict) {
		t.Fatalf("Record(reused receipt id) = %v, want ErrConflict", err)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		t.Errorf("driver error in the chain: %#v", se)
	}
}

// TestLockedIsUnavailable holds the write lock from outside the store
// (another process would): a write must fail with ErrUnavailable, which
// callers retry, once busy_timeout passes, not hang or fail as a bug.
func TestLockedIsUnavailable(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for busy_timeout")
	}
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ledger.db")
	s := open(t, path)
	ctx := testCtx(t)
	// Another connection, as another process would have, in a write
	// transaction the test ends only after the Record.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	defer func() { _, _ = conn.ExecContext(ctx, "ROLLBACK") }()
	_, err = s.Record(ctx, storetest.Request("stripe", "", "evt_locked", time.Now()))
	if !errors.Is(err, apperr.ErrUnavailable) {
		t.Fatalf("Record while another process writes = %v, want ErrUnavailable", err)
	}
}

func TestOpenRefusesBadPath(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"", "a?b.db"} {
		if _, err := sqlitestore.Open(testCtx(t), p); !errors.Is(err, apperr.ErrInvalid) {
			t.Errorf("Open(%q) = %v, want ErrInvalid", p, err)
		}
	}
	missing := filepath.Join(t.TempDir(), "no", "such", "dir", "ledger.db")
	_, err := sqlitestore.Open(testCtx(t), missing)
	if !errors.Is(err, apperr.ErrUnavailable) {
		t.Errorf("Open in a missing directory = %v, want ErrUnavailable", err)
	}
	if _, statErr := os.Stat(filepath.Dir(missing)); !os.IsNotExist(statErr) {
		t.Errorf("Open created the directory: %v", statErr)
	}
}
