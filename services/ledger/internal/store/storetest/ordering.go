package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// keyed is a Record of a test event whose entity_id is the ordering key.
func keyed(id, entity string) *ledgerv1.RecordRequest {
	r := Request("stripe", "", id, time.Now())
	r.Event.EntityId = entity
	return r
}

// leasesOf returns the event ids of sub's leases, sorted.
func leasesOf(leases []*ledgerv1.Lease, sub string) []string {
	var ids []string
	for _, l := range leases {
		if l.GetDelivery().GetSubscription() == sub {
			ids = append(ids, l.GetDelivery().GetEventId())
		}
	}
	slices.Sort(ids)
	return ids
}

// leaseOf returns sub's lease of event id, failing when there is none.
func leaseOf(t *testing.T, leases []*ledgerv1.Lease, sub, id string) *ledgerv1.Lease {
	t.Helper()
	for _, l := range leases {
		if l.GetDelivery().GetSubscription() == sub && l.GetDelivery().GetEventId() == id {
			return l
		}
	}
	t.Fatalf("no lease of %s for %s among %d", id, sub, len(leases))
	return nil
}

func wantLeases(t *testing.T, what string, leases []*ledgerv1.Lease, sub string, want ...string) {
	t.Helper()
	if got := leasesOf(leases, sub); !slices.Equal(got, want) {
		t.Fatalf("%s: %s leased %v, want %v", what, sub, got, want)
	}
}

// testOrderedClaims: an ordered subscription's deliveries are claimed one
// key at a time, in the order the events were recorded; a retried one
// holds back only its key; a dead-lettered one releases it; a replayed
// dead letter keeps its key and its place, and waits while a later
// delivery of its key is leased. An unordered subscription gets every
// delivery at once.
func testOrderedClaims(t *testing.T, s store.Store) {
	ord := withMax(Subscription("ord"), 10)
	ord.OrderingKey = `event.entity_id`
	mustCreate(t, s, ord)
	mustCreate(t, s, withMax(Subscription("all"), 10))
	for _, e := range [][2]string{{"a1", "a"}, {"b1", "b"}, {"a2", "a"}, {"b2", "b"}, {"a3", "a"}} {
		mustRecord(t, s, keyed(e[0], e[1]))
	}

	first := claim(t, s, "d1", 0)
	wantLeases(t, "first claim", first, "ord", "a1", "b1")
	wantLeases(t, "first claim", first, "all", "a1", "a2", "a3", "b1", "b2")
	wantLeases(t, "keys in flight", claim(t, s, "d1", 0), "ord")

	// a1 fails and is due again shortly: key a waits (a2 is never
	// claimed meanwhile), key b goes on.
	a1 := leaseOf(t, first, "ord", "a1")
	if _, err := s.RetryDelivery(ctx(t), retryReq(a1, time.Now().Add(time.Second), true,
		ledgerv1.ErrorClass_ERROR_CLASS_DOWNSTREAM, "UNAVAILABLE", "down")); err != nil {
		t.Fatal(err)
	}
	complete(t, s, leaseOf(t, first, "ord", "b1"))
	var b2, again *ledgerv1.Lease
	for deadline := time.Now().Add(time.Minute); again == nil; {
		got := claim(t, s, "d1", 0)
		for _, id := range leasesOf(got, "ord") {
			switch id {
			case "b2":
				b2 = leaseOf(t, got, "ord", id)
			case "a1":
				again = leaseOf(t, got, "ord", id)
			default:
				t.Fatalf("a1 retrying, b1 done: %s claimed", id)
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("a1 never claimed again")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if b2 == nil {
		t.Fatal("b2 was not claimed while a1 waited")
	}
	// Dead-lettered, a1 releases a2.
	deadLetter(t, s, again, "gave up")
	released := claim(t, s, "d1", 0)
	wantLeases(t, "a1 dead", released, "ord", "a2")
	a2 := leaseOf(t, released, "ord", "a2")

	// a1 replayed while a2 is leased: it waits; once a2 is done, a1 (the
	// earlier event) goes before a3.
	dl := deadLetterOf(t, s, "ord", "a1")
	if _, err := s.ReplayDeadLetter(ctx(t), &ledgerv1.ReplayDeadLetterRequest{Id: dl}); err != nil {
		t.Fatal(err)
	}
	wantLeases(t, "a1 replayed, a2 leased", claim(t, s, "d1", 0), "ord")
	complete(t, s, a2)
	complete(t, s, b2)
	replayed := claim(t, s, "d1", 0)
	wantLeases(t, "a2 done", replayed, "ord", "a1")
	complete(t, s, leaseOf(t, replayed, "ord", "a1"))
	wantLeases(t, "a1 done", claim(t, s, "d1", 0), "ord", "a3")
}

// deadLetterOf returns the id of sub's dead letter of event id.
func deadLetterOf(t *testing.T, s store.Store, sub, id string) string {
	t.Helper()
	for _, d := range deliveriesOf(t, s, "stripe", id) {
		if d.GetSubscription() == sub && d.GetState() == ledgerv1.DeliveryState_DELIVERY_STATE_DEAD {
			return d.GetDeliveryId()
		}
	}
	t.Fatalf("no dead letter of %s for %s", id, sub)
	return ""
}

// testOrderingKeyFails: an ordering key that fails on an event dead-letters
// that event's delivery with the error and an ORDERING_KEY history row; the
// next events of the subscription are delivered as usual, and a filter that
// rejects an event is not followed by its key.
func testOrderingKeyFails(t *testing.T, s store.Store) {
	sub := withMax(Subscription("customers"), 10)
	sub.OrderingKey = `payload.customer`
	sub.Filter = `source_type != "skip"`
	mustCreate(t, s, sub)
	mustRecord(t, s, sourced("stripe", "no_customer", "charge", `{"amount":1}`))
	mustRecord(t, s, sourced("stripe", "skipped", "skip", `{"amount":1}`))
	mustRecord(t, s, sourced("stripe", "c1", "charge", `{"customer":"cus_1"}`))
	mustRecord(t, s, sourced("stripe", "c2", "charge", `{"customer":"cus_2"}`))

	ds := deliveriesOf(t, s, "stripe", "no_customer")
	if len(ds) != 1 {
		t.Fatalf("deliveries of no_customer = %v, want one dead letter", ds)
	}
	d, h := ds[0], ds[0].GetHistory()
	if d.GetState() != ledgerv1.DeliveryState_DELIVERY_STATE_DEAD || !strings.HasPrefix(d.GetLastError(), store.OrderingKeyErrorPrefix) ||
		len(h) != 1 || h[0].GetCode() != store.OrderingKeyErrorCode || h[0].GetErrorClass() != ledgerv1.ErrorClass_ERROR_CLASS_FILTER ||
		d.GetAttempts() != 0 {
		t.Errorf("delivery whose key failed = %v, want a dead letter with an ORDERING_KEY history row", d)
	}
	if ds := deliveriesOf(t, s, "stripe", "skipped"); len(ds) != 0 {
		t.Errorf("deliveries of a filtered-out event = %v, want none", ds)
	}
	wantLeases(t, "after a failed key", claim(t, s, "d1", 0), "customers", "c1", "c2")
}

// testRateClaims: a subscription with a rate is claimed at most its
// bucket's tokens (full at first: the burst); the deliveries it holds back
// stay pending with no attempt and no history, and the claim says when
// the next token comes; another dispatcher's claim finds the same empty
// bucket. A subscription without a rate is not held back.
func testRateClaims(t *testing.T, s store.Store) {
	const perSecond = 0.001 // one token in 1,000 s: none comes during the test
	slow := withMax(Subscription("slow"), 10)
	slow.Rate = &ledgerv1.Rate{PerSecond: perSecond, Burst: 3}
	mustCreate(t, s, slow)
	mustCreate(t, s, withMax(Subscription("all"), 10))
	for _, id := range []string{"e1", "e2", "e3", "e4", "e5"} {
		mustRecord(t, s, keyed(id, id))
	}
	before := time.Now()
	resp, err := s.ClaimDeliveries(ctx(t), &ledgerv1.ClaimDeliveriesRequest{DispatcherId: "d1"})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(leasesOf(resp.GetLeases(), "slow")); got != 3 {
		t.Fatalf("first claim leased %d of slow, want its burst 3", got)
	}
	if got := len(leasesOf(resp.GetLeases(), "all")); got != 5 {
		t.Fatalf("first claim leased %d of all, want 5", got)
	}
	// The bucket is empty: the next token is 1/perSecond away.
	next := resp.GetThrottledUntil()
	if next == nil {
		t.Fatal("throttled_until unset while slow has due deliveries and no token")
	}
	if at := next.AsTime(); at.Before(before.Add(999*time.Second)) || at.After(time.Now().Add(1001*time.Second)) {
		t.Errorf("throttled_until = %v after the claim, want about 1,000 s", at.Sub(before))
	}
	for _, l := range resp.GetLeases() {
		complete(t, s, l)
	}
	// Another dispatcher shares the bucket.
	resp, err = s.ClaimDeliveries(ctx(t), &ledgerv1.ClaimDeliveriesRequest{DispatcherId: "d2"})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.GetLeases()) != 0 || resp.GetThrottledUntil() == nil {
		t.Fatalf("claim with an empty bucket = %d leases, throttled_until %v; want none, set", len(resp.GetLeases()),
			resp.GetThrottledUntil())
	}
	// The two held back spent nothing.
	for _, id := range []string{"e1", "e2", "e3", "e4", "e5"} {
		for _, d := range deliveriesOf(t, s, "stripe", id) {
			if d.GetSubscription() == "slow" && d.GetState() == ledgerv1.DeliveryState_DELIVERY_STATE_PENDING &&
				(d.GetAttempts() != 0 || len(d.GetHistory()) != 0) {
				t.Errorf("throttled delivery %s = %d attempts, %d history rows; want none", id, d.GetAttempts(), len(d.GetHistory()))
			}
		}
	}
	// Paused, the subscription waits for no token.
	slow.Paused = true
	if _, err := s.UpdateSubscription(ctx(t), &ledgerv1.UpdateSubscriptionRequest{Subscription: slow}); err != nil {
		t.Fatal(err)
	}
	if resp, err := s.ClaimDeliveries(ctx(t), &ledgerv1.ClaimDeliveriesRequest{DispatcherId: "d1"}); err != nil ||
		resp.GetThrottledUntil() != nil {
		t.Errorf("claim with the throttled subscription paused: throttled_until %v, %v; want unset", resp.GetThrottledUntil(), err)
	}
}

// testOrderedRenormalization: an event recorded without a normalized event
// gets its ordering key when it is re-normalized, and its place is its
// receipt: it goes before the events of its key recorded after it.
func testOrderedRenormalization(t *testing.T, s store.Store) {
	ord := withMax(Subscription("ord"), 10)
	ord.OrderingKey = `event.entity_id`
	mustCreate(t, s, ord)
	req, ev := unnormalized("stripe", "e0", "normalizer: unavailable", true)
	ev.EntityId = "k"
	mustRecord(t, s, req)
	mustRecord(t, s, keyed("e1", "k"))
	mustRecord(t, s, keyed("e2", "k"))
	leases := claimNorm(t, s, 0)
	if len(leases) != 1 {
		t.Fatalf("claim = %v, want one", leases)
	}
	if resp, err := s.CompleteNormalization(ctx(t), completeNorm(leases[0], ev, "", false)); err != nil || resp.GetDeliveries() != 1 {
		t.Fatalf("CompleteNormalization = %v, %v; want one delivery", resp, err)
	}
	got := claim(t, s, "d1", 0)
	wantLeases(t, "after the re-normalization", got, "ord", "e0")
	complete(t, s, got[0])
	wantLeases(t, "e0 done", claim(t, s, "d1", 0), "ord", "e1")
}

// testRateAfterDelete: a subscription deleted and created again under its
// name starts with a full bucket, not the old one's emptied bucket.
func testRateAfterDelete(t *testing.T, s store.Store) {
	sub := withMax(Subscription("again"), 10)
	sub.Rate = &ledgerv1.Rate{PerSecond: 0.001, Burst: 2}
	mustCreate(t, s, sub)
	for _, id := range []string{"e1", "e2"} {
		mustRecord(t, s, keyed(id, id))
	}
	if got := len(leasesOf(claim(t, s, "d1", 0), "again")); got != 2 {
		t.Fatalf("first claim leased %d, want the burst 2", got)
	}
	if _, err := s.DeleteSubscription(ctx(t), &ledgerv1.DeleteSubscriptionRequest{Name: "again"}); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, sub)
	for _, id := range []string{"e3", "e4", "e5"} {
		mustRecord(t, s, keyed(id, id))
	}
	wantLeases(t, "created again", claim(t, s, "d1", 0), "again", "e3", "e4")
}
