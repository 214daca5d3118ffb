package consumer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	handlerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/handler/v1"
)

// newHandler gives the test its own schema on the real PostgreSQL.
func newHandler(t *testing.T) (*Handler, *pgxpool.Pool, string) {
	t.Helper()
	url := os.Getenv("TEST_DATABASE_URL")
	if url == "" {
		url = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err == nil {
		err = pool.Ping(ctx)
	}
	if err != nil {
		t.Fatalf("PostgreSQL at %s is unreachable (%v); start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start", url, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "consumer_test_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		_, _ = pool.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
		pool.Close()
	})
	if err := Migrate(ctx, pool, schema); err != nil {
		t.Fatal(err)
	}
	return &Handler{pool: pool, schema: schema, log: slog.New(slog.NewTextHandler(io.Discard, nil))}, pool, schema
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
	h, pool, schema := newHandler(t)
	ctx := context.Background()
	at := time.Now().Truncate(time.Microsecond)
	for range 3 {
		if _, err := h.HandleEvent(ctx, payment("d1", 1999, at)); err != nil {
			t.Fatal(err)
		}
	}
	// An older event about the same payment arriving late does not win.
	if _, err := h.HandleEvent(ctx, payment("d0", 5, at.Add(-time.Hour))); err != nil {
		t.Fatal(err)
	}
	var n int
	var minor int64
	if err := pool.QueryRow(ctx, "SELECT count(*), max(amount_minor) FROM "+pgx.Identifier{schema, "payments"}.Sanitize()).Scan(&n, &minor); err != nil {
		t.Fatal(err)
	}
	if n != 1 || minor != 1999 {
		t.Fatalf("rows = %d, amount = %d; want one row of 1999", n, minor)
	}
}

func TestNonPaymentsAreAcknowledgedAndBadPaymentsRejected(t *testing.T) {
	t.Parallel()
	h, _, _ := newHandler(t)
	ctx := context.Background()
	other := &handlerv1.HandleEventRequest{DeliveryId: "d2", Event: &eventv1.NormalizedEvent{EventType: eventv1.EventType_EVENT_TYPE_CODE_PUSHED}}
	if _, err := h.HandleEvent(ctx, other); err != nil {
		t.Errorf("non-payment event: %v", err)
	}
	bad := payment("d3", 1, time.Now())
	bad.Event.Amount = nil
	if _, err := h.HandleEvent(ctx, bad); status.Code(err) != codes.InvalidArgument {
		t.Errorf("payment without amount: %v, want InvalidArgument", err)
	}
}
