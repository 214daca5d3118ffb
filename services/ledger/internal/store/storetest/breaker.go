package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// claimWith claims with the caller's breaker lists.
func claimWith(t *testing.T, s store.Store, limit int32, skip, probe []string) []*ledgerv1.Lease {
	t.Helper()
	resp, err := s.ClaimDeliveries(ctx(t), &ledgerv1.ClaimDeliveriesRequest{
		DispatcherId: "d1", Limit: limit, SkipTargets: skip, ProbeTargets: probe})
	if err != nil {
		t.Fatalf("ClaimDeliveries(skip %v, probe %v): %v", skip, probe, err)
	}
	return resp.GetLeases()
}

// testClaimSkipsAndProbesTargets: a target whose breaker is open at the
// caller yields nothing, for any of its subscriptions, and its rows are
// left as they were (due, unleased); a half-open one yields exactly one
// row, the oldest due across its subscriptions; other targets are claimed
// as usual.
func testClaimSkipsAndProbesTargets(t *testing.T, s store.Store) {
	const down, up = "dns:///down.handlers.internal:9000", "dns:///up.handlers.internal:9000"
	for _, name := range []string{"a", "b"} {
		sub := Subscription(name)
		sub.Target = down
		mustCreate(t, s, sub)
	}
	c := Subscription("c")
	c.Target = up
	mustCreate(t, s, c)
	const events = 5
	for i := range events {
		// One at a time: the first event's deliveries are due first.
		mustRecord(t, s, Typed("stripe", "evt_"+string(rune('a'+i)), eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED))
		time.Sleep(2 * time.Millisecond)
	}

	leases := claimWith(t, s, 64, []string{down}, nil)
	if got := subsOf(leases); len(got) != events || slices.ContainsFunc(got, func(n string) bool { return n != "c" }) {
		t.Fatalf("claim skipping %s leased %v, want the %d deliveries of c only", down, got, events)
	}
	for _, d := range deliveriesOf(t, s, "stripe", "evt_a") {
		if d.GetSubscription() != "c" && (d.GetNextAttemptAt().AsTime().After(time.Now()) || d.GetAttempts() != 0 || len(d.GetHistory()) != 0) {
			t.Errorf("skipped delivery of %s was touched: %v", d.GetSubscription(), d)
		}
	}

	// In both lists: skipped.
	if got := claimWith(t, s, 64, []string{down}, []string{down}); len(got) != 0 {
		t.Fatalf("claim with %s skipped and probed leased %v, want nothing", down, subsOf(got))
	}
	probe := claimWith(t, s, 64, nil, []string{down})
	if len(probe) != 1 {
		t.Fatalf("probe of %s leased %d deliveries (%v), want 1", down, len(probe), subsOf(probe))
	}
	if ev := probe[0].GetEvent().GetEventId(); ev != "evt_a" {
		t.Errorf("probe leased a delivery of %s, want one of the oldest event, evt_a", ev)
	}
	// The probe's lease is held; the next probe takes the other oldest row.
	next := claimWith(t, s, 64, nil, []string{down})
	if len(next) != 1 || next[0].GetEvent().GetEventId() != "evt_a" ||
		next[0].GetDelivery().GetSubscription() == probe[0].GetDelivery().GetSubscription() {
		t.Errorf("second probe leased %v, want the other subscription's delivery of evt_a", subsOf(next))
	}
	// Closed again: the rest of the backlog, both subscriptions.
	if got := claimWith(t, s, 64, nil, nil); len(got) != 2*events-2 {
		t.Errorf("claim after the probes leased %d, want %d", len(got), 2*events-2)
	}

	many := make([]string, store.MaxClaimTargets+1)
	for i := range many {
		many[i] = "t" + strings.Repeat("x", i%7)
	}
	_, err := s.ClaimDeliveries(ctx(t), &ledgerv1.ClaimDeliveriesRequest{DispatcherId: "d1", SkipTargets: many})
	wantErr(t, "ClaimDeliveries(too many skip_targets)", err, apperr.ErrInvalid)
}

// testRefusedDeferralKeepsNoHistory: a deferral that made no call (class
// BREAKER_OPEN, no code, uncounted) moves the delivery and sets last_error
// but adds no history row; the deferral of a call that opened the breaker
// (with the handler's code) keeps its row.
func testRefusedDeferralKeepsNoHistory(t *testing.T, s store.Store) {
	mustCreate(t, s, withPlatforms(Subscription("held"), "stripe"))
	mustCreate(t, s, withPlatforms(Subscription("tripped"), "shopify"))
	mustRecord(t, s, Typed("stripe", "evt_held", eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED))
	later := time.Now().Add(time.Hour).Truncate(time.Millisecond)

	l := claim(t, s, "d1", 0)[0]
	if _, err := s.RetryDelivery(ctx(t), retryReq(l, later, false, ledgerv1.ErrorClass_ERROR_CLASS_BREAKER_OPEN, "", "circuit breaker open")); err != nil {
		t.Fatal(err)
	}
	d := deliveriesOf(t, s, "stripe", "evt_held")[0]
	if len(d.GetHistory()) != 0 {
		t.Errorf("refused deferral left history %v, want none", d.GetHistory())
	}
	if !d.GetNextAttemptAt().AsTime().Equal(later) || d.GetAttempts() != 0 || d.GetLastError() != "circuit breaker open" {
		t.Errorf("after a refused deferral: next %v, attempts %d, last_error %q; want %v, 0, the reason",
			d.GetNextAttemptAt().AsTime(), d.GetAttempts(), d.GetLastError(), later)
	}
	if got := claim(t, s, "d1", 0); len(got) != 0 {
		t.Errorf("deferred delivery claimed before its time: %v", subsOf(got))
	}

	// A call that opens the breaker keeps its row.
	mustRecord(t, s, Typed("shopify", "evt_tripped", eventv1.EventType_EVENT_TYPE_ORDER_CREATED))
	l = claim(t, s, "d1", 0)[0]
	if _, err := s.RetryDelivery(ctx(t), retryReq(l, later, false, ledgerv1.ErrorClass_ERROR_CLASS_BREAKER_OPEN, "UNAVAILABLE",
		"target unavailable: this call opened the circuit breaker")); err != nil {
		t.Fatal(err)
	}
	h := deliveriesOf(t, s, "shopify", "evt_tripped")[0].GetHistory()
	if len(h) != 1 || h[0].GetCode() != "UNAVAILABLE" || h[0].GetAttempt() != 0 ||
		h[0].GetErrorClass() != ledgerv1.ErrorClass_ERROR_CLASS_BREAKER_OPEN {
		t.Errorf("tripping call's history = %v, want one uncounted BREAKER_OPEN row with its code", h)
	}
}
