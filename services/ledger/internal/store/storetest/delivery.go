package storetest

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

func testDeliveriesFromRecord(t *testing.T, s store.Store) {
	mustCreate(t, s, Subscription("all"))
	mustCreate(t, s, withPlatforms(Subscription("stripe-only"), "stripe"))
	refunds := Subscription("refunds")
	refunds.EventTypes = []eventv1.EventType{eventv1.EventType_EVENT_TYPE_PAYMENT_REFUNDED}
	mustCreate(t, s, refunds)
	paused := Subscription("paused")
	paused.Paused = true
	mustCreate(t, s, paused)

	names := func(ds []*ledgerv1.Delivery) []string {
		var out []string
		for _, d := range ds {
			out = append(out, d.GetSubscription())
		}
		return out
	}
	req := Typed("stripe", "evt_1", eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED)
	mustRecord(t, s, req)
	ds := deliveriesOf(t, s, "stripe", "evt_1")
	if got, want := names(ds), []string{"all", "paused", "stripe-only"}; !slices.Equal(got, want) {
		t.Fatalf("deliveries of a stripe payment = %v, want %v (by subscription)", got, want)
	}
	for _, d := range ds {
		if d.GetState() != ledgerv1.DeliveryState_DELIVERY_STATE_PENDING || d.GetAttempts() != 0 ||
			d.GetPlatform() != "stripe" || d.GetEventId() != "evt_1" || d.GetDeliveryId() == "" ||
			d.GetNextAttemptAt() == nil || d.GetCreatedAt() == nil || len(d.GetHistory()) != 0 {
			t.Errorf("new delivery = %v", d)
		}
	}
	mustRecord(t, s, Typed("github", "guid_2", eventv1.EventType_EVENT_TYPE_PAYMENT_REFUNDED))
	if got, want := names(deliveriesOf(t, s, "github", "guid_2")), []string{"all", "paused", "refunds"}; !slices.Equal(got, want) {
		t.Errorf("deliveries of a github refund = %v, want %v", got, want)
	}
	// A duplicate creates nothing more.
	mustRecord(t, s, Typed("stripe", "evt_1", eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED))
	if n := len(deliveriesOf(t, s, "stripe", "evt_1")); n != 3 {
		t.Errorf("after a duplicate: %d deliveries, want 3", n)
	}
	// Not normalized: stored, but nothing to deliver.
	raw := Request("stripe", "", "evt_raw", base)
	raw.Event, raw.NormalizationError = nil, "bad json"
	mustRecord(t, s, raw)
	if ds := deliveriesOf(t, s, "stripe", "evt_raw"); len(ds) != 0 {
		t.Errorf("unnormalized event got deliveries: %v", ds)
	}
	// Claims skip the paused subscription.
	leases := claim(t, s, "d1", 0)
	if got, want := subsOf(leases), []string{"all", "all", "refunds", "stripe-only"}; !slices.Equal(got, want) {
		t.Errorf("claimed %v, want %v", got, want)
	}
	for _, l := range leases {
		if l.GetEvent().GetEventId() != l.GetDelivery().GetEventId() || len(l.GetPayload()) == 0 ||
			l.GetSubscription().GetName() != l.GetDelivery().GetSubscription() || l.GetLeaseToken() == "" {
			t.Errorf("lease incomplete: %v", l)
		}
	}
	if l := leases[0]; l.GetDelivery().GetEventId() == "evt_1" && string(l.GetPayload()) != string(req.GetReceipt().GetBody()) {
		t.Errorf("payload = %q, want the receipt body", l.GetPayload())
	}

	_, err := s.ListDeliveries(ctx(t), &ledgerv1.ListDeliveriesRequest{Platform: "stripe", EventId: "evt_missing"})
	wantErr(t, "ListDeliveries(missing)", err, apperr.ErrNotFound)
	_, err = s.ListDeliveries(ctx(t), &ledgerv1.ListDeliveriesRequest{Platform: "stripe"})
	wantErr(t, "ListDeliveries(no event id)", err, apperr.ErrInvalid)
}

func testConcurrentClaimers(t *testing.T, s store.Store) {
	mustCreate(t, s, withMax(Subscription("busy"), 1000))
	const n = 200
	recordMany(t, s, "stripe", "evt_", n)
	var mu sync.Mutex
	seen := map[string]string{} // delivery id -> dispatcher
	var wg sync.WaitGroup
	for _, who := range []string{"d1", "d2"} {
		wg.Go(func() {
			for {
				resp, err := s.ClaimDeliveries(ctx(t), &ledgerv1.ClaimDeliveriesRequest{DispatcherId: who, Limit: 7})
				if err != nil {
					t.Errorf("%s: ClaimDeliveries: %v", who, err)
					return
				}
				if len(resp.GetLeases()) == 0 {
					return
				}
				mu.Lock()
				for _, l := range resp.GetLeases() {
					id := l.GetDelivery().GetDeliveryId()
					if prev, dup := seen[id]; dup {
						t.Errorf("delivery %s leased to %s and %s", id, prev, who)
					}
					seen[id] = who
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != n {
		t.Errorf("%d deliveries claimed in all, want %d", len(seen), n)
	}
}

func testLeaseExpiry(t *testing.T, s store.Store) {
	quick := Subscription("quick")
	quick.Timeout = dur(time.Millisecond)
	mustCreate(t, s, quick)
	mustRecord(t, s, Typed("stripe", "evt_1", eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED))

	// A 1 ms lease is stretched to the timeout plus the margin.
	resp, err := s.ClaimDeliveries(ctx(t), &ledgerv1.ClaimDeliveriesRequest{DispatcherId: "slow", LeaseDuration: dur(time.Millisecond)})
	if err != nil || len(resp.GetLeases()) != 1 {
		t.Fatalf("claim = %v, %v; want one lease", resp, err)
	}
	first := resp.GetLeases()[0]
	if left := time.Until(first.GetLeaseExpiresAt().AsTime()); left < store.LeaseMargin-time.Second || left > store.LeaseMargin+time.Second {
		t.Errorf("lease expires in %v, want about %v", left, store.LeaseMargin)
	}
	if !first.GetDelivery().GetNextAttemptAt().AsTime().Equal(first.GetLeaseExpiresAt().AsTime()) {
		t.Errorf("next_attempt_at %v, want the lease expiry %v", first.GetDelivery().GetNextAttemptAt().AsTime(), first.GetLeaseExpiresAt().AsTime())
	}
	if again := claim(t, s, "fast", 0); len(again) != 0 {
		t.Fatalf("a leased delivery was claimed again before expiry: %v", again)
	}
	time.Sleep(time.Until(first.GetLeaseExpiresAt().AsTime()) + 200*time.Millisecond)
	second := claim(t, s, "fast", 0)
	if len(second) != 1 || second[0].GetDelivery().GetDeliveryId() != first.GetDelivery().GetDeliveryId() {
		t.Fatalf("after expiry claimed %v, want the same delivery", second)
	}
	if second[0].GetLeaseToken() == first.GetLeaseToken() {
		t.Error("re-claim kept the old lease token")
	}
	if second[0].GetDelivery().GetAttempts() != 0 {
		t.Errorf("attempts = %d after an expired lease, want 0 (nothing was reported)", second[0].GetDelivery().GetAttempts())
	}
	_, err = s.CompleteDelivery(ctx(t), &ledgerv1.CompleteDeliveryRequest{
		DeliveryId: first.GetDelivery().GetDeliveryId(), LeaseToken: first.GetLeaseToken(), DispatcherId: "slow"})
	wantErr(t, "Complete with the expired token", err, store.ErrLeaseLost)
	_, err = s.RetryDelivery(ctx(t), retryReq(first, time.Now(), true, ledgerv1.ErrorClass_ERROR_CLASS_NETWORK, "UNAVAILABLE", "x"))
	wantErr(t, "Retry with the expired token", err, store.ErrLeaseLost)
	complete(t, s, second[0])
	_, err = s.CompleteDelivery(ctx(t), &ledgerv1.CompleteDeliveryRequest{
		DeliveryId: second[0].GetDelivery().GetDeliveryId(), LeaseToken: second[0].GetLeaseToken()})
	wantErr(t, "Complete twice", err, store.ErrLeaseLost)
	ds := deliveriesOf(t, s, "stripe", "evt_1")
	if len(ds) != 1 || ds[0].GetState() != ledgerv1.DeliveryState_DELIVERY_STATE_DELIVERED || ds[0].GetAttempts() != 1 {
		t.Errorf("after the outcome: %v, want delivered after 1 attempt", ds)
	}

	// A requested lease longer than timeout + margin is kept.
	mustRecord(t, s, Typed("stripe", "evt_2", eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED))
	resp, err = s.ClaimDeliveries(ctx(t), &ledgerv1.ClaimDeliveriesRequest{LeaseDuration: dur(2 * time.Minute)})
	if err != nil || len(resp.GetLeases()) != 1 {
		t.Fatalf("claim = %v, %v; want one lease", resp, err)
	}
	if left := time.Until(resp.GetLeases()[0].GetLeaseExpiresAt().AsTime()); left < 110*time.Second || left > 130*time.Second {
		t.Errorf("2 min lease expires in %v", left)
	}
}

func testMaxConcurrency(t *testing.T, s store.Store) {
	mustCreate(t, s, withMax(Subscription("narrow"), 3))
	recordMany(t, s, "stripe", "evt_", 10)
	first := claim(t, s, "d1", 0)
	if len(first) != 3 {
		t.Fatalf("first claim: %d leases, want max_concurrency 3", len(first))
	}
	if more := claim(t, s, "d2", 0); len(more) != 0 {
		t.Fatalf("second dispatcher got %d more while 3 are in flight", len(more))
	}
	complete(t, s, first[0])
	// A retry later frees its slot too.
	if _, err := s.RetryDelivery(ctx(t), retryReq(first[1], time.Now().Add(time.Hour), true,
		ledgerv1.ErrorClass_ERROR_CLASS_NETWORK, "UNAVAILABLE", "down")); err != nil {
		t.Fatal(err)
	}
	next := claim(t, s, "d2", 0)
	if len(next) != 2 {
		t.Fatalf("after two outcomes: %d leases, want 2", len(next))
	}
	for _, l := range next {
		if l.GetDelivery().GetDeliveryId() == first[1].GetDelivery().GetDeliveryId() {
			t.Error("the delivery retried in an hour was claimed now")
		}
	}
}

func testFairness(t *testing.T, s store.Store) {
	mustCreate(t, s, withPlatforms(withMax(Subscription("a"), 500), "bulk"))
	mustCreate(t, s, withPlatforms(Subscription("b"), "rare"))
	const backlog = 10000
	start := time.Now()
	recordMany(t, s, "bulk", "evt_", backlog)
	t.Logf("recorded %d events in %v", backlog, time.Since(start))
	// Recorded last, so due last: a plain FIFO would not reach it.
	mustRecord(t, s, Typed("rare", "only", eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED))
	start = time.Now()
	leases := claim(t, s, "d1", 64)
	t.Logf("claimed %d of %d due in %v", len(leases), backlog+1, time.Since(start))
	if len(leases) != 64 {
		t.Fatalf("claimed %d, want 64", len(leases))
	}
	got := subsOf(leases)
	if got[len(got)-1] != "b" {
		t.Fatalf("first claim of 64 holds no delivery of b behind a's backlog of %d", backlog)
	}
	if leases[0].GetDelivery().GetSubscription() == leases[1].GetDelivery().GetSubscription() {
		t.Errorf("leases not interleaved: first two both of %s", leases[0].GetDelivery().GetSubscription())
	}
}

func testRetryAndHistory(t *testing.T, s store.Store) {
	mustCreate(t, s, Subscription("orders"))
	mustRecord(t, s, Typed("shopify", "1001", eventv1.EventType_EVENT_TYPE_ORDER_CREATED))
	past := time.Now().Add(-time.Second)

	l := claim(t, s, "d1", 0)[0]
	if _, err := s.RetryDelivery(ctx(t), retryReq(l, past, false, ledgerv1.ErrorClass_ERROR_CLASS_BREAKER_OPEN, "", "circuit breaker open")); err != nil {
		t.Fatal(err)
	}
	l = claim(t, s, "d2", 0)[0]
	if l.GetDelivery().GetAttempts() != 0 {
		t.Errorf("attempts after an uncounted deferral = %d, want 0", l.GetDelivery().GetAttempts())
	}
	long := "boom\x00" + strings.Repeat("é", store.MaxErrorBytes)
	req := retryReq(l, past, true, ledgerv1.ErrorClass_ERROR_CLASS_NETWORK, "UNAVAILABLE", long)
	req.DispatcherId = "d2"
	if _, err := s.RetryDelivery(ctx(t), req); err != nil {
		t.Fatal(err)
	}
	l = claim(t, s, "d3", 0)[0]
	if l.GetDelivery().GetAttempts() != 1 || !strings.HasPrefix(l.GetDelivery().GetLastError(), "boom") {
		t.Errorf("after a counted retry: attempts %d, last_error %.20q", l.GetDelivery().GetAttempts(), l.GetDelivery().GetLastError())
	}
	complete(t, s, l)

	ds := deliveriesOf(t, s, "shopify", "1001")
	if len(ds) != 1 {
		t.Fatalf("%d deliveries, want 1", len(ds))
	}
	d := ds[0]
	if d.GetState() != ledgerv1.DeliveryState_DELIVERY_STATE_DELIVERED || d.GetAttempts() != 2 {
		t.Errorf("delivery = %v, want delivered after 2 counted attempts", d)
	}
	type entry struct {
		attempt int32
		class   ledgerv1.ErrorClass
		code    string
	}
	var got []entry
	for _, h := range d.GetHistory() {
		got = append(got, entry{h.GetAttempt(), h.GetErrorClass(), h.GetCode()})
		if h.GetAt() == nil || h.GetDispatcherId() == "" {
			t.Errorf("history entry without time or dispatcher: %v", h)
		}
	}
	// The deferral the breaker refused (no call, no code) keeps no row.
	want := []entry{
		{1, ledgerv1.ErrorClass_ERROR_CLASS_NETWORK, "UNAVAILABLE"},
		{2, ledgerv1.ErrorClass_ERROR_CLASS_UNSPECIFIED, "OK"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("history = %v, want %v", got, want)
	}
	if len(d.GetHistory()) == 2 {
		e := d.GetHistory()[0].GetError()
		if len(e) > store.MaxErrorBytes || strings.Contains(e, "\x00") || !strings.HasPrefix(e, "boom") {
			t.Errorf("stored error: %d bytes, %.12q; want at most %d, no NUL", len(e), e, store.MaxErrorBytes)
		}
		if d.GetHistory()[0].GetDispatcherId() != "d2" {
			t.Errorf("dispatcher of attempt 1 = %q, want d2", d.GetHistory()[0].GetDispatcherId())
		}
	}
}

func testOutcomeInvalid(t *testing.T, s store.Store) {
	id := "0b5e4e8e-3f5a-4c36-9d0a-4d8e8f0c9a11"
	_, err := s.CompleteDelivery(ctx(t), &ledgerv1.CompleteDeliveryRequest{DeliveryId: id, LeaseToken: id})
	wantErr(t, "Complete(unknown id)", err, apperr.ErrNotFound)
	for name, req := range map[string]*ledgerv1.RetryDeliveryRequest{
		"bad id":       {DeliveryId: "x", LeaseToken: id, NextAttemptAt: timestampNow()},
		"bad token":    {DeliveryId: id, LeaseToken: "", NextAttemptAt: timestampNow()},
		"no next time": {DeliveryId: id, LeaseToken: id},
		"bad class":    {DeliveryId: id, LeaseToken: id, NextAttemptAt: timestampNow(), ErrorClass: 99},
	} {
		_, err := s.RetryDelivery(ctx(t), req)
		wantErr(t, "Retry("+name+")", err, apperr.ErrInvalid)
	}
	_, err = s.DeadLetterDelivery(ctx(t), &ledgerv1.DeadLetterDeliveryRequest{DeliveryId: id, LeaseToken: "nope"})
	wantErr(t, "DeadLetter(bad token)", err, apperr.ErrInvalid)
	for _, req := range []*ledgerv1.ClaimDeliveriesRequest{{Limit: -1}, {LeaseDuration: dur(-time.Second)}} {
		_, err := s.ClaimDeliveries(ctx(t), req)
		wantErr(t, fmt.Sprintf("Claim(%v)", req), err, apperr.ErrInvalid)
	}
	if leases := claim(t, s, "d1", 10000); len(leases) != 0 {
		t.Errorf("claim on an empty store = %v", leases)
	}
}

// testLeaseTraceparent: the traceparent the edge stored with the receipt
// comes back with each lease; a receipt without one gives "".
func testLeaseTraceparent(t *testing.T, s store.Store) {
	mustCreate(t, s, Subscription("all"))
	const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	traced := Typed("stripe", "evt_traced", eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED)
	traced.Receipt.Headers[store.TraceparentHeader] = tp
	mustRecord(t, s, traced)
	mustRecord(t, s, Typed("stripe", "evt_untraced", eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED))
	leases := claim(t, s, "d1", 10)
	if len(leases) != 2 {
		t.Fatalf("claimed %d leases, want 2", len(leases))
	}
	for _, l := range leases {
		want := ""
		if l.GetDelivery().GetEventId() == "evt_traced" {
			want = tp
		}
		if l.GetTraceparent() != want {
			t.Errorf("lease of %s: traceparent %q, want %q", l.GetDelivery().GetEventId(), l.GetTraceparent(), want)
		}
	}
}
