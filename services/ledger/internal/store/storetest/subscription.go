package storetest

import (
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

func testSubscriptionLifecycle(t *testing.T, s store.Store) {
	in := Subscription("billing")
	in.Platforms = []string{"stripe"}
	in.EventTypes = []eventv1.EventType{eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED}
	in.RetryPolicy = &ledgerv1.RetryPolicy{Network: &ledgerv1.ClassPolicy{MaxAttempts: 8, Delay: dur(2 * time.Second)}}
	got := mustCreate(t, s, in)
	if got.GetMaxConcurrency() != store.DefaultMaxConcurrency || got.GetTimeout().AsDuration() != store.DefaultTimeout ||
		got.GetCreatedAt() == nil || got.GetUpdatedAt() == nil || got.GetPaused() {
		t.Errorf("created = %v, want defaults and timestamps", got)
	}
	if !proto.Equal(got.GetRetryPolicy(), in.GetRetryPolicy()) || !slices.Equal(got.GetPlatforms(), in.GetPlatforms()) ||
		!slices.Equal(got.GetEventTypes(), in.GetEventTypes()) || got.GetTarget() != in.GetTarget() {
		t.Errorf("created = %v, want the settings of %v", got, in)
	}
	_, err := s.CreateSubscription(ctx(t), &ledgerv1.CreateSubscriptionRequest{Subscription: Subscription("billing")})
	wantErr(t, "Create(taken name)", err, apperr.ErrConflict)

	upd := Subscription("billing")
	upd.Target = "other:1"
	upd.MaxConcurrency = 2
	upd.Timeout = dur(time.Minute)
	uresp, err := s.UpdateSubscription(ctx(t), &ledgerv1.UpdateSubscriptionRequest{Subscription: upd})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	u := uresp.GetSubscription()
	if u.GetTarget() != "other:1" || len(u.GetPlatforms()) != 0 || len(u.GetEventTypes()) != 0 || u.GetRetryPolicy() != nil ||
		u.GetMaxConcurrency() != 2 || u.GetTimeout().AsDuration() != time.Minute ||
		!u.GetCreatedAt().AsTime().Equal(got.GetCreatedAt().AsTime()) {
		t.Errorf("updated = %v, want every setting replaced and created_at kept", u)
	}
	_, err = s.UpdateSubscription(ctx(t), &ledgerv1.UpdateSubscriptionRequest{Subscription: Subscription("nobody")})
	wantErr(t, "Update(missing)", err, apperr.ErrNotFound)

	mustCreate(t, s, Subscription("audit"))
	list, err := s.ListSubscriptions(ctx(t), &ledgerv1.ListSubscriptionsRequest{})
	if err != nil || len(list.GetSubscriptions()) != 2 || list.GetSubscriptions()[0].GetName() != "audit" {
		t.Errorf("List = %v, %v; want audit, billing", list, err)
	}
	g, err := s.GetSubscription(ctx(t), &ledgerv1.GetSubscriptionRequest{Name: "billing"})
	if err != nil || !proto.Equal(g.GetSubscription(), u) {
		t.Errorf("Get = %v, %v; want %v", g, err, u)
	}
	_, err = s.GetSubscription(ctx(t), &ledgerv1.GetSubscriptionRequest{Name: "nobody"})
	wantErr(t, "Get(missing)", err, apperr.ErrNotFound)
	_, err = s.PauseSubscription(ctx(t), &ledgerv1.PauseSubscriptionRequest{Name: "nobody"})
	wantErr(t, "Pause(missing)", err, apperr.ErrNotFound)
	_, err = s.ResumeSubscription(ctx(t), &ledgerv1.ResumeSubscriptionRequest{Name: "Bad Name"})
	wantErr(t, "Resume(bad name)", err, apperr.ErrInvalid)
}

func testSubscriptionInvalid(t *testing.T, s store.Store) {
	mod := func(f func(*ledgerv1.Subscription)) *ledgerv1.Subscription {
		sub := Subscription("ok")
		f(sub)
		return sub
	}
	long := "a"
	for len(long) < 64 {
		long += "b"
	}
	for name, sub := range map[string]*ledgerv1.Subscription{
		"nil":              nil,
		"empty name":       mod(func(s *ledgerv1.Subscription) { s.Name = "" }),
		"upper case":       mod(func(s *ledgerv1.Subscription) { s.Name = "Billing" }),
		"leading dash":     mod(func(s *ledgerv1.Subscription) { s.Name = "-x" }),
		"64 chars":         mod(func(s *ledgerv1.Subscription) { s.Name = long }),
		"no target":        mod(func(s *ledgerv1.Subscription) { s.Target = "" }),
		"unknown type":     mod(func(s *ledgerv1.Subscription) { s.EventTypes = []eventv1.EventType{999} }),
		"unspecified type": mod(func(s *ledgerv1.Subscription) { s.EventTypes = []eventv1.EventType{0} }),
		"negative max":     mod(func(s *ledgerv1.Subscription) { s.MaxConcurrency = -1 }),
		"timeout too long": mod(func(s *ledgerv1.Subscription) { s.Timeout = dur(2 * time.Hour) }),
		"negative timeout": mod(func(s *ledgerv1.Subscription) { s.Timeout = dur(-time.Second) }),
		"empty platform":   mod(func(s *ledgerv1.Subscription) { s.Platforms = []string{""} }),
		"negative attempts": mod(func(s *ledgerv1.Subscription) {
			s.RetryPolicy = &ledgerv1.RetryPolicy{Throttled: &ledgerv1.ClassPolicy{MaxAttempts: -1}}
		}),
	} {
		_, err := s.CreateSubscription(ctx(t), &ledgerv1.CreateSubscriptionRequest{Subscription: sub})
		wantErr(t, "Create("+name+")", err, apperr.ErrInvalid)
	}
	edge := Subscription(long[:63])
	edge.Timeout = dur(time.Hour)
	mustCreate(t, s, edge)
}

func testPauseResume(t *testing.T, s store.Store) {
	mustCreate(t, s, Subscription("orders"))
	p, err := s.PauseSubscription(ctx(t), &ledgerv1.PauseSubscriptionRequest{Name: "orders"})
	if err != nil || !p.GetSubscription().GetPaused() {
		t.Fatalf("Pause = %v, %v", p, err)
	}
	mustRecord(t, s, Typed("shopify", "1", eventv1.EventType_EVENT_TYPE_ORDER_CREATED))
	if got := claim(t, s, "d1", 0); len(got) != 0 {
		t.Fatalf("claimed %v from a paused subscription", got)
	}
	r, err := s.ResumeSubscription(ctx(t), &ledgerv1.ResumeSubscriptionRequest{Name: "orders"})
	if err != nil || r.GetSubscription().GetPaused() {
		t.Fatalf("Resume = %v, %v", r, err)
	}
	if got := claim(t, s, "d1", 0); len(got) != 1 {
		t.Errorf("claimed %d after resume, want 1", len(got))
	}
}

func testUpsertSubscription(t *testing.T, s store.Store) {
	seedSub := Subscription("seeded")
	seedSub.Platforms = []string{"github"}
	first, err := s.UpsertSubscription(ctx(t), seedSub)
	if err != nil || first.GetMaxConcurrency() != store.DefaultMaxConcurrency || first.GetPaused() {
		t.Fatalf("Upsert(new) = %v, %v", first, err)
	}
	// Unchanged settings: nothing written.
	same, err := s.UpsertSubscription(ctx(t), seedSub)
	if err != nil || !proto.Equal(same, first) {
		t.Errorf("Upsert(unchanged) = %v, %v; want %v", same, err, first)
	}
	// An operator pauses; a new file version changes the target but must
	// not resume it.
	if _, err := s.PauseSubscription(ctx(t), &ledgerv1.PauseSubscriptionRequest{Name: "seeded"}); err != nil {
		t.Fatal(err)
	}
	changed := Subscription("seeded")
	changed.Target = "new:1"
	got, err := s.UpsertSubscription(ctx(t), changed)
	if err != nil || got.GetTarget() != "new:1" || len(got.GetPlatforms()) != 0 || !got.GetPaused() ||
		!got.GetCreatedAt().AsTime().Equal(first.GetCreatedAt().AsTime()) {
		t.Errorf("Upsert(changed) = %v, %v; want the new target, paused kept, created_at kept", got, err)
	}
	// The file can pause.
	mustCreate(t, s, Subscription("active"))
	pause := Subscription("active")
	pause.Paused = true
	if got, err := s.UpsertSubscription(ctx(t), pause); err != nil || !got.GetPaused() {
		t.Errorf("Upsert(paused: true) = %v, %v; want paused", got, err)
	}
	if _, err := s.UpsertSubscription(ctx(t), Subscription("BAD")); err == nil {
		t.Error("Upsert(bad name) succeeded")
	}
}

// testEmptyRetryPolicy: a retry policy with no class set is a policy (the
// dispatcher's defaults for every class), not an absent one, and must read
// back as such; an upsert of the same settings then changes nothing.
func testEmptyRetryPolicy(t *testing.T, s store.Store) {
	sub := Subscription("defaults")
	sub.RetryPolicy = &ledgerv1.RetryPolicy{}
	got := mustCreate(t, s, sub)
	if got.GetRetryPolicy() == nil {
		t.Errorf("created = %v, want an empty retry_policy, not none", got)
	}
	same, err := s.UpsertSubscription(ctx(t), sub)
	if err != nil || !proto.Equal(same, got) {
		t.Errorf("Upsert(unchanged) = %v, %v; want %v untouched", same, err, got)
	}
}

// testDeleteSubscription: a deleted subscription takes its deliveries (a
// dead letter, one with history, one leased) and their history with it;
// its lease's outcome is refused, the other subscription is untouched,
// and the name can be used again.
func testDeleteSubscription(t *testing.T, s store.Store) {
	mustCreate(t, s, Subscription("keep"))
	mustCreate(t, s, Subscription("gone"))
	for _, id := range []string{"1", "2", "3"} {
		mustRecord(t, s, Typed("shopify", id, eventv1.EventType_EVENT_TYPE_ORDER_CREATED))
	}
	var gone []*ledgerv1.Lease
	for _, l := range claim(t, s, "d1", 0) {
		if l.GetDelivery().GetSubscription() == "gone" {
			gone = append(gone, l)
		}
	}
	if len(gone) != 3 {
		t.Fatalf("claimed %d deliveries of gone, want 3", len(gone))
	}
	deadLetter(t, s, gone[0], "rejected")
	if _, err := s.RetryDelivery(ctx(t), retryReq(gone[1], time.Now().Add(time.Hour), true,
		ledgerv1.ErrorClass_ERROR_CLASS_NETWORK, "UNAVAILABLE", "down")); err != nil {
		t.Fatal(err)
	}

	resp, err := s.DeleteSubscription(ctx(t), &ledgerv1.DeleteSubscriptionRequest{Name: "gone"})
	if err != nil || resp.GetCancelled() != 2 || resp.GetDeliveries() != 0 {
		t.Fatalf("Delete = %v, %v; want 2 pending deliveries cancelled", resp, err)
	}
	_, err = s.GetSubscription(ctx(t), &ledgerv1.GetSubscriptionRequest{Name: "gone"})
	wantErr(t, "Get(deleted)", err, apperr.ErrNotFound)
	_, err = s.DeleteSubscription(ctx(t), &ledgerv1.DeleteSubscriptionRequest{Name: "gone"})
	wantErr(t, "Delete(deleted)", err, apperr.ErrNotFound)
	_, err = s.DeleteSubscription(ctx(t), &ledgerv1.DeleteSubscriptionRequest{Name: "Bad Name"})
	wantErr(t, "Delete(bad name)", err, apperr.ErrInvalid)
	if _, err := s.CompleteDelivery(ctx(t), &ledgerv1.CompleteDeliveryRequest{DeliveryId: gone[2].GetDelivery().GetDeliveryId(),
		LeaseToken: gone[2].GetLeaseToken(), DispatcherId: "d1"}); err == nil {
		t.Error("the outcome of a deleted subscription's lease was accepted")
	}
	// Every delivery is kept with its history: the dead letter as it was,
	// the two pending ones (one leased, one waiting for a retry) cancelled,
	// their history ending with the cancellation.
	want := map[string]ledgerv1.DeliveryState{
		gone[0].GetDelivery().GetEventId(): ledgerv1.DeliveryState_DELIVERY_STATE_DEAD,
		gone[1].GetDelivery().GetEventId(): ledgerv1.DeliveryState_DELIVERY_STATE_CANCELLED,
		gone[2].GetDelivery().GetEventId(): ledgerv1.DeliveryState_DELIVERY_STATE_CANCELLED,
	}
	for _, id := range []string{"1", "2", "3"} {
		ds := deliveriesOf(t, s, "shopify", id)
		if len(ds) != 2 {
			t.Fatalf("deliveries of %s after the delete: %v, want keep's and gone's", id, ds)
		}
		for _, d := range ds {
			if d.GetSubscription() != "gone" {
				continue
			}
			h := d.GetHistory()
			if d.GetState() != want[id] || len(h) == 0 {
				t.Errorf("gone's delivery of %s = %v, want state %v with its history", id, d, want[id])
				continue
			}
			if last := h[len(h)-1]; d.GetState() == ledgerv1.DeliveryState_DELIVERY_STATE_CANCELLED &&
				(last.GetCode() != store.CancelledCode || d.GetLastError() != store.CancelledReason) {
				t.Errorf("cancelled delivery of %s = %v, want a last history row saying why", id, d)
			}
		}
	}
	dl, err := s.ListDeadLetters(ctx(t), &ledgerv1.ListDeadLettersRequest{Subscription: "gone"})
	if err != nil || len(dl.GetDeadLetters()) != 1 {
		t.Errorf("dead letters after the delete: %v, %v; want the one kept", dl, err)
	}
	// Nothing cancelled is claimed again.
	if got := claim(t, s, "d3", 0); len(got) != 0 {
		t.Errorf("claimed %v after the delete, want nothing", got)
	}

	mustCreate(t, s, Subscription("gone"))
	mustRecord(t, s, Typed("shopify", "4", eventv1.EventType_EVENT_TYPE_ORDER_CREATED))
	if got := subsOf(claim(t, s, "d2", 0)); !slices.Equal(got, []string{"gone", "keep"}) {
		t.Errorf("claimed %v after re-creating gone, want gone's and keep's new delivery", got)
	}
}
