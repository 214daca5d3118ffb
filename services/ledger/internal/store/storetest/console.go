package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// testListFieldFilters filters on the normalized fields that have no
// index (source type, entity, user), alone and with the indexed ones, and
// pages through a filtered list one event at a time: every matching event
// once, newest first, none of the others, whatever lies between them.
func testListFieldFilters(t *testing.T, s store.Store) {
	for i := range 12 {
		req := Request("stripe", "", fmt.Sprintf("f%02d", i), base.Add(time.Duration(i)*time.Minute))
		req.Event.SourceEventType = []string{"charge.refunded", "payment_intent.succeeded", "invoice.paid"}[i%3]
		req.Event.EntityId = fmt.Sprintf("ent_%d", i%2)
		req.Event.UserId = fmt.Sprintf("cus_%d", i%4)
		mustRecord(t, s, req)
	}
	other := Request("github", "", "g1", base)
	other.Event.SourceEventType = "charge.refunded"
	mustRecord(t, s, other)

	cases := []struct {
		name string
		req  *ledgerv1.ListEventsRequest
		want []string
	}{
		{"source type", &ledgerv1.ListEventsRequest{SourceEventType: "charge.refunded"},
			[]string{"g1", "f09", "f06", "f03", "f00"}},
		{"source type and platform", &ledgerv1.ListEventsRequest{Platform: "stripe", SourceEventType: "charge.refunded"},
			[]string{"f09", "f06", "f03", "f00"}},
		{"entity", &ledgerv1.ListEventsRequest{Platform: "stripe", EntityId: "ent_1"},
			[]string{"f11", "f09", "f07", "f05", "f03", "f01"}},
		{"user", &ledgerv1.ListEventsRequest{UserId: "cus_2"}, []string{"f10", "f06", "f02"}},
		{"all three and a time range", &ledgerv1.ListEventsRequest{SourceEventType: "charge.refunded", EntityId: "ent_0",
			UserId: "cus_2", ReceivedAfter: timestamppb.New(base.Add(5 * time.Minute))}, []string{"f06"}},
		{"no match", &ledgerv1.ListEventsRequest{UserId: "nobody"}, nil},
	}
	for _, c := range cases {
		for _, size := range []int32{1, 2, 50} {
			req := cloneList(c.req)
			req.PageSize = size
			if got := listAll(t, s, req); !equal(got, c.want) {
				t.Errorf("%s, page size %d: %v, want %v", c.name, size, got, c.want)
			}
		}
	}
}

func cloneList(r *ledgerv1.ListEventsRequest) *ledgerv1.ListEventsRequest {
	return &ledgerv1.ListEventsRequest{Platform: r.Platform, EventType: r.EventType, ReceivedAfter: r.ReceivedAfter,
		ReceivedBefore: r.ReceivedBefore, SourceEventType: r.SourceEventType, EntityId: r.EntityId, UserId: r.UserId}
}

// testRenormalizeOneEvent schedules one failed event by its id: only it
// is claimed; a second call, a normalized event and an unknown id
// schedule nothing; an id without its platform is refused.
func testRenormalizeOneEvent(t *testing.T, s store.Store) {
	for _, id := range []string{"a", "b"} {
		req, _ := unnormalized("stripe", id, "stripe: unknown field", false)
		mustRecord(t, s, req)
	}
	mustRecord(t, s, Request("stripe", "", "ok", time.Now()))
	for _, c := range []struct {
		req  *ledgerv1.RenormalizeEventsRequest
		want int32
	}{
		{&ledgerv1.RenormalizeEventsRequest{Platform: "stripe", EventId: "b"}, 1},
		{&ledgerv1.RenormalizeEventsRequest{Platform: "stripe", EventId: "b"}, 0},  // already scheduled
		{&ledgerv1.RenormalizeEventsRequest{Platform: "stripe", EventId: "ok"}, 0}, // normalized
		{&ledgerv1.RenormalizeEventsRequest{Platform: "stripe", EventId: "zz"}, 0},
		{&ledgerv1.RenormalizeEventsRequest{Platform: "github", EventId: "a"}, 0},
		{&ledgerv1.RenormalizeEventsRequest{Platform: "stripe", EventId: "a", Source: "other"}, 0},
	} {
		resp, err := s.RenormalizeEvents(ctx(t), c.req)
		if err != nil || resp.GetScheduled() != c.want {
			t.Errorf("RenormalizeEvents(%v) = %v, %v; want %d", c.req, resp, err, c.want)
		}
	}
	leases := claimNorm(t, s, 0)
	if len(leases) != 1 || leases[0].GetEventId() != "b" {
		t.Errorf("claimed %v, want only event b", leases)
	}
	for _, req := range []*ledgerv1.RenormalizeEventsRequest{{EventId: "a"}, {Platform: "stripe", Source: "x"}} {
		if _, err := s.RenormalizeEvents(ctx(t), req); !errors.Is(err, apperr.ErrInvalid) {
			t.Errorf("RenormalizeEvents(%v) = %v, want ErrInvalid", req, err)
		}
	}
}

// testAttemptDuration keeps the call duration each outcome reports in the
// delivery's history, and none where none was reported.
func testAttemptDuration(t *testing.T, s store.Store) {
	mustCreate(t, s, Subscription("a"))
	mustRecord(t, s, Typed("stripe", "evt_d", eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED))
	l := claim(t, s, "d1", 1)[0]
	retry := retryReq(l, time.Now(), true, ledgerv1.ErrorClass_ERROR_CLASS_NETWORK, "UNAVAILABLE", "down")
	retry.Duration = dur(1500 * time.Millisecond)
	if _, err := s.RetryDelivery(ctx(t), retry); err != nil {
		t.Fatal(err)
	}
	l = claim(t, s, "d1", 1)[0]
	retry = retryReq(l, time.Now(), true, ledgerv1.ErrorClass_ERROR_CLASS_NETWORK, "UNAVAILABLE", "no duration")
	if _, err := s.RetryDelivery(ctx(t), retry); err != nil {
		t.Fatal(err)
	}
	l = claim(t, s, "d1", 1)[0]
	if _, err := s.CompleteDelivery(ctx(t), &ledgerv1.CompleteDeliveryRequest{DeliveryId: l.GetDelivery().GetDeliveryId(),
		LeaseToken: l.GetLeaseToken(), DispatcherId: "d1", Duration: dur(2345 * time.Microsecond)}); err != nil {
		t.Fatal(err)
	}
	h := deliveriesOf(t, s, "stripe", "evt_d")[0].GetHistory()
	if len(h) != 3 {
		t.Fatalf("history %v, want 3 rows", h)
	}
	var got []time.Duration
	for _, a := range h {
		got = append(got, a.GetDuration().AsDuration())
	}
	if !slices.Equal(got, []time.Duration{1500 * time.Millisecond, 0, 2345 * time.Microsecond}) || h[1].GetDuration() != nil {
		t.Errorf("durations %v (second %v), want 1.5s, unset, 2.345ms", got, h[1].GetDuration())
	}
	mustRecord(t, s, Typed("stripe", "evt_e", eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED))
	l = claim(t, s, "d1", 1)[0]
	if _, err := s.CompleteDelivery(ctx(t), &ledgerv1.CompleteDeliveryRequest{DeliveryId: l.GetDelivery().GetDeliveryId(),
		LeaseToken: l.GetLeaseToken(), DispatcherId: "d1", Duration: dur(-time.Second)}); !errors.Is(err, apperr.ErrInvalid) {
		t.Errorf("negative duration: %v, want ErrInvalid", err)
	}
}

// testDeliveryStats counts pending, in-flight and dead deliveries per
// subscription and unnormalized events per platform, and keeps each
// dispatcher's last breaker report.
func testDeliveryStats(t *testing.T, s store.Store) {
	rows, err := s.DeliveryStats(ctx(t))
	if err != nil || len(rows.Counts) != 0 || len(rows.Breakers) != 0 || len(rows.NormalizationFailures) != 0 {
		t.Fatalf("empty store: %+v, %v", rows, err)
	}
	mustCreate(t, s, Subscription("a"))
	mustCreate(t, s, withPlatforms(Subscription("b"), "github"))
	for i := range 4 {
		mustRecord(t, s, Typed("stripe", fmt.Sprintf("s%d", i), eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED))
	}
	mustRecord(t, s, Typed("github", "g1", eventv1.EventType_EVENT_TYPE_CODE_PUSHED))
	for _, p := range []string{"stripe", "github", "github"} {
		req, _ := unnormalized(p, "raw-"+p+fmt.Sprint(time.Now().UnixNano()), "broken", false)
		mustRecord(t, s, req)
	}
	// a: 5 deliveries (4 stripe, 1 github); b: 1 (github).
	leases := claim(t, s, "d1", 3) // fair: both subscriptions
	var a []*ledgerv1.Lease
	for _, l := range leases {
		if l.GetDelivery().GetSubscription() == "a" {
			a = append(a, l)
		}
	}
	if len(a) < 2 {
		t.Fatalf("claimed %v, want at least 2 of a", subsOf(leases))
	}
	deadLetter(t, s, a[0], "gave up")
	complete(t, s, a[1])
	inFlightA := int64(len(a) - 2)
	inFlightB := int64(len(leases) - len(a))

	rows, err = s.DeliveryStats(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	resp := store.StatsResult(rows)
	want := map[string][3]int64{"a": {5 - 2 - inFlightA, inFlightA, 1}, "b": {1 - inFlightB, inFlightB, 0}}
	got := map[string][3]int64{}
	for _, c := range resp.GetSubscriptions() {
		got[c.GetSubscription()] = [3]int64{c.GetPending(), c.GetInFlight(), c.GetDead()}
		if c.GetPending()+c.GetInFlight() > 0 && c.GetOldestPendingAt() == nil {
			t.Errorf("%s: no oldest_pending_at", c.GetSubscription())
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("counts %v, want %v (pending, in flight, dead)", got, want)
	}
	if resp.GetDead() != 1 || resp.GetPending()+resp.GetInFlight() != 4 {
		t.Errorf("totals: %d pending, %d in flight, %d dead; want 4 waiting or in flight, 1 dead",
			resp.GetPending(), resp.GetInFlight(), resp.GetDead())
	}
	fails := map[string]int64{}
	for _, p := range resp.GetNormalizationFailures() {
		fails[p.GetPlatform()] = p.GetCount()
	}
	if fails["stripe"] != 1 || fails["github"] != 2 || len(fails) != 2 {
		t.Errorf("normalization failures %v, want stripe 1, github 2", fails)
	}

	// Breaker reports: the latest per dispatcher, with the subscriptions
	// of each target.
	ta, tb := Subscription("a").GetTarget(), Subscription("b").GetTarget()
	report := func(id string, open, probe []string) {
		t.Helper()
		r, err := store.PrepareBreakerReport(&ledgerv1.ClaimDeliveriesRequest{DispatcherId: id, SkipTargets: open, ProbeTargets: probe})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.ReportBreakers(ctx(t), r); err != nil {
			t.Fatalf("ReportBreakers: %v", err)
		}
	}
	report("d1", []string{ta}, nil)
	report("d2", []string{tb}, []string{ta, tb}) // tb in both: open
	report("d1", nil, []string{ta})              // replaces d1's report
	rows, err = s.DeliveryStats(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	var br []string
	for _, b := range store.StatsResult(rows).GetBreakers() {
		if time.Since(b.GetReportedAt().AsTime()) > time.Minute {
			t.Errorf("report %v: reported_at is not now", b)
		}
		br = append(br, fmt.Sprintf("%s %s %s %v", b.GetTarget(), b.GetDispatcherId(), b.GetState(), b.GetSubscriptions()))
	}
	wantBr := []string{
		ta + " d1 BREAKER_STATE_HALF_OPEN [a]",
		ta + " d2 BREAKER_STATE_HALF_OPEN [a]",
		tb + " d2 BREAKER_STATE_OPEN [b]",
	}
	if !slices.Equal(br, wantBr) {
		t.Errorf("breakers:\n%v\nwant\n%v", br, wantBr)
	}
	report("d2", nil, nil) // all closed again
	rows, _ = s.DeliveryStats(ctx(t))
	if n := len(store.StatsResult(rows).GetBreakers()); n != 1 {
		t.Errorf("after d2 closed its breakers: %d reports, want d1's only", n)
	}
}
