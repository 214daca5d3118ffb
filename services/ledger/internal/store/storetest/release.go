package storetest

import (
	"slices"
	"testing"
	"time"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// testReleaseLeases: a restarted dispatcher's release makes exactly its own
// leases due at once, keeps their attempts, records why, and voids the old
// tokens, as an expired lease would.
func testReleaseLeases(t *testing.T, s store.Store) {
	mustCreate(t, s, Subscription("orders"))
	recordMany(t, s, "stripe", "evt_", 5)
	// One delivery gets a counted attempt first, so "attempts unchanged"
	// is checked on a non-zero count too.
	first := claim(t, s, "d0", 1)
	if len(first) != 1 {
		t.Fatalf("claimed %d, want 1", len(first))
	}
	if _, err := s.RetryDelivery(ctx(t), retryReq(first[0], time.Now().Add(-time.Second), true,
		ledgerv1.ErrorClass_ERROR_CLASS_NETWORK, "UNAVAILABLE", "refused")); err != nil {
		t.Fatal(err)
	}
	d1 := claim(t, s, "d1", 3)
	d2 := claim(t, s, "d2", 0)
	if len(d1) != 3 || len(d2) != 2 {
		t.Fatalf("claimed %d as d1 and %d as d2, want 3 and 2", len(d1), len(d2))
	}
	attempts := map[string]int32{}
	for _, l := range d1 {
		attempts[l.GetDelivery().GetDeliveryId()] = l.GetDelivery().GetAttempts()
	}
	if !slices.ContainsFunc(d1, func(l *ledgerv1.Lease) bool { return l.GetDelivery().GetAttempts() > 0 }) &&
		!slices.ContainsFunc(d2, func(l *ledgerv1.Lease) bool { return l.GetDelivery().GetAttempts() > 0 }) {
		t.Fatal("no lease carries the counted attempt")
	}

	resp, err := s.ReleaseLeases(ctx(t), &ledgerv1.ReleaseLeasesRequest{DispatcherId: "d1"})
	if err != nil {
		t.Fatalf("ReleaseLeases(d1): %v", err)
	}
	if resp.GetReleased() != 3 {
		t.Errorf("released %d, want 3", resp.GetReleased())
	}
	// The old tokens no longer hold their deliveries, as after a lost lease.
	_, err = s.CompleteDelivery(ctx(t), &ledgerv1.CompleteDeliveryRequest{
		DeliveryId: d1[0].GetDelivery().GetDeliveryId(), LeaseToken: d1[0].GetLeaseToken(), DispatcherId: "d1"})
	wantErr(t, "Complete with a released token", err, store.ErrLeaseLost)

	// Due at once, to anyone, attempts as they were.
	again := claim(t, s, "d3", 0)
	if len(again) != 3 {
		t.Fatalf("claim after the release got %d leases, want d1's 3", len(again))
	}
	for _, l := range again {
		id := l.GetDelivery().GetDeliveryId()
		want, ok := attempts[id]
		if !ok {
			t.Errorf("re-claimed %s, which d1 did not hold", id)
			continue
		}
		if got := l.GetDelivery().GetAttempts(); got != want {
			t.Errorf("%s: attempts %d after the release, want %d", id, got, want)
		}
		h := deliveriesOf(t, s, "stripe", l.GetDelivery().GetEventId())[0].GetHistory()
		last := h[len(h)-1]
		if last.GetAttempt() != 0 || last.GetErrorClass() != ledgerv1.ErrorClass_ERROR_CLASS_UNSPECIFIED ||
			last.GetError() != store.ReleaseReason || last.GetDispatcherId() != "d1" {
			t.Errorf("%s: last history entry %v, want the release by d1", id, last)
		}
		complete(t, s, l)
	}
	// d2's leases are untouched: their tokens still complete.
	for _, l := range d2 {
		complete(t, s, l)
	}

	for _, id := range []string{"d1", "nobody"} {
		resp, err := s.ReleaseLeases(ctx(t), &ledgerv1.ReleaseLeasesRequest{DispatcherId: id})
		if err != nil || resp.GetReleased() != 0 {
			t.Errorf("ReleaseLeases(%s) with no leases = %v, %v; want 0", id, resp, err)
		}
	}
	_, err = s.ReleaseLeases(ctx(t), &ledgerv1.ReleaseLeasesRequest{})
	wantErr(t, "ReleaseLeases without an id", err, apperr.ErrInvalid)
}
