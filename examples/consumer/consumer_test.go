package consumer

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	handlerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/handler/v1"
)

// stores gives each test a handler on both storages: its own schema on the
// real PostgreSQL, and a SQLite file.
func stores(t *testing.T) map[string]*Handler {
	t.Helper()
	url := os.Getenv("TEST_DATABASE_URL")
	if url == "" {
		url = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx := context.Background()
	db, err := sql.Open("pgx", url)
	if err == nil {
		err = db.PingContext(ctx)
	}
	if err != nil {
		t.Fatalf("PostgreSQL at %s is unreachable (%v); start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start", url, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "consumer_test_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		_, _ = db.Exec("DROP SCHEMA IF EXISTS " + pgx.Identifier{schema}.Sanitize() + " CASCADE")
		db.Close()
	})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	out := map[string]*Handler{}
	for name, u := range map[string]string{"postgres": url, "sqlite": "sqlite:" + filepath.Join(t.TempDir(), "consumer.db")} {
		p, err := openPayments(ctx, u, schema)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Cleanup(func() { p.db.Close() })
		out[name] = &Handler{store: p, log: log}
	}
	return out
}

func payment(deliveryID string, minor int64, at time.Time) *handlerv1.HandleEventRequest {
	return &handlerv1.HandleEventRequest{
		DeliveryId: deliveryID, Attempt: 1, Subscription: "payments",
		Event: &eventv1.NormalizedEvent{
			Platform: "stripe", EventId: "evt_" + deliveryID, EventType: eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
			EntityId: "pi_1", Amount: &eventv1.Money{MinorUnits: minor, Currency: "USD"}, OccurredAt: timestamppb.New(at),
		},
	}
}

func TestPaymentsAreIdempotent(t *testing.T) {
	t.Parallel()
	for name, h := range stores(t) {
		ctx := context.Background()
		at := time.Now().Truncate(time.Microsecond)
		for range 3 {
			if _, err := h.HandleEvent(ctx, payment("d1", 1999, at)); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		// An older event about the same payment arriving late does not win.
		if _, err := h.HandleEvent(ctx, payment("d0", 5, at.Add(-time.Hour))); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		n, minor, err := h.store.count(ctx, "stripe", "pi_1")
		if err != nil || n != 1 || minor != 1999 {
			t.Errorf("%s: rows = %d, amount = %d (%v); want one row of 1999", name, n, minor, err)
		}
		// A newer one does.
		if _, err := h.HandleEvent(ctx, payment("d2", 2500, at.Add(time.Minute))); err != nil {
			t.Fatal(err)
		}
		if _, minor, _ := h.store.count(ctx, "stripe", "pi_1"); minor != 2500 {
			t.Errorf("%s: a newer event did not update the row: amount %d", name, minor)
		}
	}
}

func TestNonPaymentsAreAcknowledgedAndBadPaymentsRejected(t *testing.T) {
	t.Parallel()
	for name, h := range stores(t) {
		ctx := context.Background()
		other := &handlerv1.HandleEventRequest{DeliveryId: "d2", Event: &eventv1.NormalizedEvent{EventType: eventv1.EventType_EVENT_TYPE_CODE_PUSHED}}
		if _, err := h.HandleEvent(ctx, other); err != nil {
			t.Errorf("%s: non-payment event: %v", name, err)
		}
		bad := payment("d3", 1, time.Now())
		bad.Event.Amount = nil
		if _, err := h.HandleEvent(ctx, bad); status.Code(err) != codes.InvalidArgument {
			t.Errorf("%s: payment without amount: %v, want InvalidArgument", name, err)
		}
	}
}

func TestUnknownDatabaseURL(t *testing.T) {
	t.Parallel()
	if _, err := openPayments(context.Background(), "mysql://x", "s"); err == nil {
		t.Fatal("a mysql URL was accepted")
	}
}
