package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// unnormalized returns Request without its event, and the event it lacks.
func unnormalized(platform, eventID, msg string, retryable bool) (*ledgerv1.RecordRequest, *eventv1.NormalizedEvent) {
	req := Request(platform, "", eventID, time.Now())
	ev := req.Event
	req.Event, req.NormalizationError, req.NormalizationRetryable = nil, msg, retryable
	return req, ev
}

func claimNorm(t *testing.T, s store.Store, lease time.Duration) []*ledgerv1.NormalizationLease {
	t.Helper()
	req := &ledgerv1.ClaimNormalizationsRequest{WorkerId: "w1", Limit: 10}
	if lease > 0 {
		req.LeaseDuration = dur(lease)
	}
	resp, err := s.ClaimNormalizations(ctx(t), req)
	if err != nil {
		t.Fatalf("ClaimNormalizations: %v", err)
	}
	return resp.GetLeases()
}

func completeNorm(l *ledgerv1.NormalizationLease, ev *eventv1.NormalizedEvent, msg string, retryable bool) *ledgerv1.CompleteNormalizationRequest {
	return &ledgerv1.CompleteNormalizationRequest{Platform: l.GetPlatform(), Source: l.GetSource(), EventId: l.GetEventId(),
		LeaseToken: l.GetLeaseToken(), Event: ev, Error: msg, Retryable: retryable}
}

// testRenormalizeScheduled: a Record whose normalizer was unreachable is
// due for re-normalization at once, with its receipt; a payload failure
// and a normalized event are not.
func testRenormalizeScheduled(t *testing.T, s store.Store) {
	down, _ := unnormalized("stripe", "evt_down", "normalizer: unavailable", true)
	mustRecord(t, s, down)
	bad, _ := unnormalized("stripe", "evt_bad", "stripe: bad json", false)
	mustRecord(t, s, bad)
	mustRecord(t, s, Request("stripe", "", "evt_ok", time.Now()))
	// retryable with an event is meaningless: nothing to schedule.
	withEvent := Request("stripe", "", "evt_with", time.Now())
	withEvent.NormalizationRetryable = true
	mustRecord(t, s, withEvent)

	leases := claimNorm(t, s, 0)
	if len(leases) != 1 || leases[0].GetEventId() != "evt_down" {
		t.Fatalf("claim = %v, want evt_down only", leases)
	}
	l := leases[0]
	checkReceipt(t, l.GetReceipt(), down.GetReceipt())
	if l.GetAttempts() != 0 || l.GetLeaseToken() == "" {
		t.Errorf("lease = %v, want attempts 0 and a token", l)
	}
	if left := time.Until(l.GetLeaseExpiresAt().AsTime()); left < store.DefaultLeaseDuration-5*time.Second || left > store.DefaultLeaseDuration+5*time.Second {
		t.Errorf("lease expires in %v, want about %v", left, store.DefaultLeaseDuration)
	}
	// Leased: not claimable again until it expires.
	if again := claimNorm(t, s, 0); len(again) != 0 {
		t.Errorf("second claim = %v, want none", again)
	}
}

// testRenormalizeSuccess: a successful outcome stores the event as Record
// would have, clears the error and creates the deliveries by Record's
// filter rule, notifying listeners.
func testRenormalizeSuccess(t *testing.T, s store.Store) {
	mustCreate(t, s, Subscription("all"))
	mustCreate(t, s, withPlatforms(Subscription("github-only"), "github"))
	typed := Subscription("refunds")
	typed.EventTypes = []eventv1.EventType{eventv1.EventType_EVENT_TYPE_PAYMENT_REFUNDED}
	mustCreate(t, s, typed)

	req, ev := unnormalized("stripe", "evt_1", "normalizer: unavailable", true)
	mustRecord(t, s, req)
	if d := deliveriesOf(t, s, "stripe", "evt_1"); len(d) != 0 {
		t.Fatalf("deliveries before re-normalization = %v, want none", d)
	}
	leases := claimNorm(t, s, 0)
	if len(leases) != 1 {
		t.Fatalf("claim = %v, want one", leases)
	}
	woke := listening(t, s)

	resp, err := s.CompleteNormalization(ctx(t), completeNorm(leases[0], ev, "", false))
	if err != nil || !resp.GetNormalized() || resp.GetDeliveries() != 1 {
		t.Fatalf("CompleteNormalization = %v, %v; want normalized with 1 delivery", resp, err)
	}
	got := mustGet(t, s, "stripe", "", "evt_1").GetEvent()
	if got.GetNormalizationError() != "" || !proto.Equal(got.GetEvent(), ev) {
		t.Errorf("stored = %v, want the event and no error", got)
	}
	d := deliveriesOf(t, s, "stripe", "evt_1")
	if len(d) != 1 || d[0].GetSubscription() != "all" || d[0].GetState() != ledgerv1.DeliveryState_DELIVERY_STATE_PENDING {
		t.Errorf("deliveries = %v, want one pending for all", d)
	}
	if l := claim(t, s, "d1", 10); len(l) != 1 || !proto.Equal(l[0].GetEvent(), ev) {
		t.Errorf("ClaimDeliveries = %v, want the re-normalized event", l)
	}
	if subs := next(t, woke, "a re-normalization that made a delivery"); !slices.Equal(subs, []string{"all"}) {
		t.Errorf("notification = %v, want [all]", subs)
	}
	page, err := s.ListEvents(ctx(t), &ledgerv1.ListEventsRequest{EventType: ev.GetEventType()})
	if err != nil || len(page.GetEvents()) != 1 {
		t.Errorf("typed list = %v, %v; want the event", page, err)
	}
	// Done: not due any more, and a second report is refused.
	if l := claimNorm(t, s, 0); len(l) != 0 {
		t.Errorf("claim after success = %v, want none", l)
	}
	_, err = s.CompleteNormalization(ctx(t), completeNorm(leases[0], ev, "", false))
	if !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("second CompleteNormalization = %v, want ErrLeaseLost", err)
	}
}

// testRenormalizeStaleLease: an expired lease that another worker claimed
// cannot report; the new holder can.
func testRenormalizeStaleLease(t *testing.T, s store.Store) {
	req, ev := unnormalized("github", "g-1", "normalizer: deadline exceeded", true)
	mustRecord(t, s, req)
	first := claimNorm(t, s, time.Millisecond)
	if len(first) != 1 {
		t.Fatalf("claim = %v, want one", first)
	}
	time.Sleep(20 * time.Millisecond)
	second := claimNorm(t, s, 0)
	if len(second) != 1 || second[0].GetLeaseToken() == first[0].GetLeaseToken() {
		t.Fatalf("claim after expiry = %v, want the event under a new token", second)
	}
	_, err := s.CompleteNormalization(ctx(t), completeNorm(first[0], ev, "", false))
	if !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("stale CompleteNormalization = %v, want ErrLeaseLost", err)
	}
	if _, err := s.CompleteNormalization(ctx(t), completeNorm(second[0], ev, "", false)); err != nil {
		t.Errorf("CompleteNormalization by the holder: %v", err)
	}
	missing := completeNorm(second[0], ev, "", false)
	missing.EventId = "nope"
	if _, err := s.CompleteNormalization(ctx(t), missing); !errors.Is(err, apperr.ErrNotFound) {
		t.Errorf("CompleteNormalization(unknown event) = %v, want ErrNotFound", err)
	}
	for _, bad := range []*ledgerv1.CompleteNormalizationRequest{
		{Platform: "github", EventId: "g-1", LeaseToken: "x"},
		{EventId: "g-1", LeaseToken: second[0].GetLeaseToken()},
	} {
		if _, err := s.CompleteNormalization(ctx(t), bad); !errors.Is(err, apperr.ErrInvalid) {
			t.Errorf("CompleteNormalization(%v) = %v, want ErrInvalid", bad, err)
		}
	}
	if _, err := s.ClaimNormalizations(ctx(t), &ledgerv1.ClaimNormalizationsRequest{Limit: -1}); !errors.Is(err, apperr.ErrInvalid) {
		t.Errorf("ClaimNormalizations(limit -1) = %v, want ErrInvalid", err)
	}
}

// testRenormalizeFailures: a retryable failure is due again after the
// backoff, with the attempt counted; a final one is stored and unscheduled.
func testRenormalizeFailures(t *testing.T, s store.Store) {
	mustCreate(t, s, Subscription("all"))
	req, _ := unnormalized("shopify", "s-1", "normalizer: unavailable", true)
	mustRecord(t, s, req)
	l := claimNorm(t, s, 0)[0]
	before := time.Now()
	resp, err := s.CompleteNormalization(ctx(t), completeNorm(l, nil, "normalizer: still unavailable", true))
	if err != nil || resp.GetNormalized() || resp.GetNextAttemptAt() == nil {
		t.Fatalf("retryable CompleteNormalization = %v, %v; want rescheduled", resp, err)
	}
	if wait := resp.GetNextAttemptAt().AsTime().Sub(before); wait < store.RenormalizeDelay(1)-time.Second || wait > store.RenormalizeDelay(1)+5*time.Second {
		t.Errorf("due again in %v, want about %v", wait, store.RenormalizeDelay(1))
	}
	if e := mustGet(t, s, "shopify", "", "s-1").GetEvent(); e.GetNormalizationError() != "normalizer: still unavailable" {
		t.Errorf("normalization_error = %q, want the latest", e.GetNormalizationError())
	}
	if now := claimNorm(t, s, 0); len(now) != 0 {
		t.Errorf("claim before the backoff = %v, want none", now)
	}
	time.Sleep(time.Until(resp.GetNextAttemptAt().AsTime()) + 50*time.Millisecond)
	again := claimNorm(t, s, 0)
	if len(again) != 1 || again[0].GetAttempts() != 1 {
		t.Fatalf("claim after the backoff = %v, want the event with 1 attempt", again)
	}
	// A payload the normalizer rejects ends the retries.
	resp, err = s.CompleteNormalization(ctx(t), completeNorm(again[0], nil, "shopify: bad payload", false))
	if err != nil || resp.GetNormalized() || resp.GetNextAttemptAt() != nil {
		t.Fatalf("final CompleteNormalization = %v, %v; want stored, not rescheduled", resp, err)
	}
	if e := mustGet(t, s, "shopify", "", "s-1").GetEvent(); e.GetNormalizationError() != "shopify: bad payload" || e.GetEvent() != nil {
		t.Errorf("stored = %v, want the final error", e)
	}
	time.Sleep(10 * time.Millisecond)
	if l := claimNorm(t, s, 0); len(l) != 0 {
		t.Errorf("claim after a final failure = %v, want none", l)
	}
	if d := deliveriesOf(t, s, "shopify", "s-1"); len(d) != 0 {
		t.Errorf("deliveries = %v, want none", d)
	}
	// The schedule doubles and is capped.
	if store.RenormalizeDelay(2) != 2*store.RenormalizeBaseDelay || store.RenormalizeDelay(100) != store.RenormalizeMaxDelay {
		t.Errorf("RenormalizeDelay(2, 100) = %v, %v", store.RenormalizeDelay(2), store.RenormalizeDelay(100))
	}
}

// testRenormalizeEvents: the admin call schedules failed, unscheduled
// events (by platform, up to the limit) and leaves normalized ones alone.
func testRenormalizeEvents(t *testing.T, s store.Store) {
	for _, id := range []string{"a", "b", "c"} {
		req, _ := unnormalized("stripe", id, "stripe: unknown field", false)
		mustRecord(t, s, req)
	}
	gh, _ := unnormalized("github", "g", "github: bad", false)
	mustRecord(t, s, gh)
	mustRecord(t, s, Request("stripe", "", "ok", time.Now()))
	if l := claimNorm(t, s, 0); len(l) != 0 {
		t.Fatalf("claim before RenormalizeEvents = %v, want none", l)
	}
	for _, c := range []struct {
		req  *ledgerv1.RenormalizeEventsRequest
		want int32
	}{
		{&ledgerv1.RenormalizeEventsRequest{Platform: "stripe", Limit: 2}, 2},
		{&ledgerv1.RenormalizeEventsRequest{Platform: "stripe"}, 1},
		{&ledgerv1.RenormalizeEventsRequest{Platform: "stripe"}, 0},
		{&ledgerv1.RenormalizeEventsRequest{}, 1},
		{&ledgerv1.RenormalizeEventsRequest{}, 0},
	} {
		resp, err := s.RenormalizeEvents(ctx(t), c.req)
		if err != nil || resp.GetScheduled() != c.want {
			t.Errorf("RenormalizeEvents(%v) = %v, %v; want %d", c.req, resp, err, c.want)
		}
	}
	leases := claimNorm(t, s, 0)
	var ids []string
	for _, l := range leases {
		ids = append(ids, l.GetPlatform()+"/"+l.GetEventId())
	}
	if len(leases) != 4 {
		t.Errorf("claimed %v, want the 4 failed events", ids)
	}
	if _, err := s.RenormalizeEvents(ctx(t), &ledgerv1.RenormalizeEventsRequest{Limit: -1}); !errors.Is(err, apperr.ErrInvalid) {
		t.Errorf("RenormalizeEvents(limit -1) = %v, want ErrInvalid", err)
	}
}
