package storetest

import (
	"testing"
	"time"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// wantStats fails unless Stats answers pending and dead.
func wantStats(t *testing.T, s store.Store, step string, pending, dead int64) {
	t.Helper()
	p, d, err := s.Stats(ctx(t))
	if err != nil {
		t.Fatalf("%s: Stats: %v", step, err)
	}
	if p != pending || d != dead {
		t.Errorf("%s: Stats = %d pending, %d dead; want %d, %d", step, p, d, pending, dead)
	}
}

// testStats follows the gauges through a delivery's life: pending counts
// due, leased and deferred deliveries; delivered ones leave it; dead
// letters move to dead and back on replay; unnormalized events and
// duplicates add nothing.
func testStats(t *testing.T, s store.Store) {
	wantStats(t, s, "empty", 0, 0)
	mustCreate(t, s, Subscription("a"))
	mustCreate(t, s, withPlatforms(Subscription("b"), "github"))
	for _, id := range []string{"evt_1", "evt_2", "evt_3"} {
		mustRecord(t, s, Typed("stripe", id, eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED))
	}
	mustRecord(t, s, Typed("stripe", "evt_1", eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED)) // duplicate
	raw := Request("stripe", "", "evt_raw", time.Now())
	raw.Event, raw.NormalizationError = nil, "unreadable"
	mustRecord(t, s, raw)
	wantStats(t, s, "3 events for subscription a", 3, 0)

	leases := claim(t, s, "d1", 3)
	if len(leases) != 3 {
		t.Fatalf("claimed %d, want 3", len(leases))
	}
	wantStats(t, s, "leased", 3, 0)
	complete(t, s, leases[0])
	if _, err := s.RetryDelivery(ctx(t), retryReq(leases[1], time.Now().Add(time.Hour), true,
		ledgerv1.ErrorClass_ERROR_CLASS_NETWORK, "UNAVAILABLE", "down")); err != nil {
		t.Fatal(err)
	}
	deadLetter(t, s, leases[2], "bad payload")
	wantStats(t, s, "one delivered, one deferred, one dead", 1, 1)

	if _, err := s.ReplayDeadLetter(ctx(t), &ledgerv1.ReplayDeadLetterRequest{Id: leases[2].GetDelivery().GetDeliveryId()}); err != nil {
		t.Fatal(err)
	}
	wantStats(t, s, "replayed", 2, 0)

	s.Close()
	_, _, err := s.Stats(ctx(t))
	wantErr(t, "Stats after Close", err, apperr.ErrUnavailable)
}
