package storetest

import (
	"maps"
	"slices"
	"strings"
	"testing"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// sourced is a Record of platform's event id with the platform's own
// type and a JSON body.
func sourced(platform, id, sourceType, body string) *ledgerv1.RecordRequest {
	r := Typed(platform, id, eventv1.EventType_EVENT_TYPE_UNMAPPED)
	r.Event.SourceEventType = sourceType
	r.Receipt.Body = []byte(body)
	return r
}

// deliveryStates maps subscription to delivery state for one event.
func deliveryStates(t *testing.T, s store.Store, platform, id string) map[string]ledgerv1.DeliveryState {
	t.Helper()
	got := map[string]ledgerv1.DeliveryState{}
	for _, d := range deliveriesOf(t, s, platform, id) {
		got[d.GetSubscription()] = d.GetState()
	}
	return got
}

// testFilteredDeliveries: a subscription with a filter gets a delivery for
// the events its filter matches only; one whose filter fails on an event
// gets a dead letter carrying the error, with a FILTER history row, and
// the other subscriptions' deliveries are made as usual; a changed filter
// applies to the next event at once.
func testFilteredDeliveries(t *testing.T, s store.Store) {
	const (
		pending = ledgerv1.DeliveryState_DELIVERY_STATE_PENDING
		dead    = ledgerv1.DeliveryState_DELIVERY_STATE_DEAD
	)
	invoices := Subscription("invoices")
	invoices.Filter = `source_type == "invoice.paid"`
	mustCreate(t, s, invoices)
	main := withPlatforms(Subscription("main"), "github")
	main.Filter = `payload.ref == "refs/heads/main" && headers["content-type"] == "application/json"`
	mustCreate(t, s, main)
	broken := Subscription("broken")
	broken.Filter = `payload.amount > 1`
	mustCreate(t, s, broken)
	mustCreate(t, s, Subscription("all"))

	mustRecord(t, s, sourced("stripe", "evt_paid", "invoice.paid", `{"amount":5}`))
	mustRecord(t, s, sourced("stripe", "evt_created", "invoice.created", `{"amount":0}`))
	mustRecord(t, s, sourced("github", "push_main", "push", `{"ref":"refs/heads/main"}`))
	mustRecord(t, s, sourced("github", "push_dev", "push", `{"ref":"refs/heads/dev"}`))
	for _, c := range []struct {
		platform, id string
		want         map[string]ledgerv1.DeliveryState
	}{
		{"stripe", "evt_paid", map[string]ledgerv1.DeliveryState{"invoices": pending, "broken": pending, "all": pending}},
		{"stripe", "evt_created", map[string]ledgerv1.DeliveryState{"all": pending}},
		{"github", "push_main", map[string]ledgerv1.DeliveryState{"main": pending, "broken": dead, "all": pending}},
		{"github", "push_dev", map[string]ledgerv1.DeliveryState{"broken": dead, "all": pending}},
	} {
		if got := deliveryStates(t, s, c.platform, c.id); !maps.Equal(got, c.want) {
			t.Errorf("deliveries of %s/%s = %v, want %v", c.platform, c.id, got, c.want)
		}
	}
	for _, d := range deliveriesOf(t, s, "github", "push_dev") {
		if d.GetSubscription() != "broken" {
			continue
		}
		h := d.GetHistory()
		if !strings.Contains(d.GetLastError(), "no such key") || len(h) != 1 ||
			h[0].GetErrorClass() != ledgerv1.ErrorClass_ERROR_CLASS_FILTER || h[0].GetCode() != store.FilterErrorCode ||
			h[0].GetError() != d.GetLastError() || d.GetAttempts() != 0 {
			t.Errorf("failed filter's delivery = %v, want a dead letter with the error and one FILTER history row", d)
		}
	}
	// Only pending deliveries are claimed: the dead letters are not.
	var claimed []string
	for _, l := range claim(t, s, "d1", 100) {
		claimed = append(claimed, l.GetDelivery().GetSubscription()+"/"+l.GetDelivery().GetEventId())
	}
	slices.Sort(claimed)
	want := []string{"all/evt_created", "all/evt_paid", "all/push_dev", "all/push_main", "broken/evt_paid", "invoices/evt_paid", "main/push_main"}
	if !slices.Equal(claimed, want) {
		t.Errorf("claimed %v, want %v", claimed, want)
	}

	// A filter changed (and one added) applies to the very next event.
	invoices.Filter = `source_type == "invoice.created"`
	if _, err := s.UpdateSubscription(ctx(t), &ledgerv1.UpdateSubscriptionRequest{Subscription: invoices}); err != nil {
		t.Fatal(err)
	}
	all := Subscription("all")
	all.Filter = `platform == "stripe"`
	if _, err := s.UpdateSubscription(ctx(t), &ledgerv1.UpdateSubscriptionRequest{Subscription: all}); err != nil {
		t.Fatal(err)
	}
	mustRecord(t, s, sourced("stripe", "evt_created_2", "invoice.created", `{"amount":0}`))
	mustRecord(t, s, sourced("github", "push_main_2", "push", `{"ref":"refs/heads/main"}`))
	if got, want := deliveryStates(t, s, "stripe", "evt_created_2"), map[string]ledgerv1.DeliveryState{"invoices": pending, "all": pending}; !maps.Equal(got, want) {
		t.Errorf("deliveries after the filters changed = %v, want %v", got, want)
	}
	if got, want := deliveryStates(t, s, "github", "push_main_2"), map[string]ledgerv1.DeliveryState{"main": pending, "broken": dead}; !maps.Equal(got, want) {
		t.Errorf("deliveries after the filters changed = %v, want %v", got, want)
	}
}

// testFilteredRenormalization: a re-normalized event's deliveries follow
// the filters as a recorded event's do, the receipt's body included.
func testFilteredRenormalization(t *testing.T, s store.Store) {
	yes := Subscription("yes")
	yes.Filter = `source_type == "payment_intent.succeeded" && payload.id == "evt_1"`
	mustCreate(t, s, yes)
	no := Subscription("no")
	no.Filter = `payload.id == "other"`
	mustCreate(t, s, no)
	req, ev := unnormalized("stripe", "evt_1", "normalizer: unavailable", true)
	req.Receipt.Body = []byte(`{"id":"evt_1"}`)
	mustRecord(t, s, req)
	leases := claimNorm(t, s, 0)
	if len(leases) != 1 {
		t.Fatalf("claim = %v, want one", leases)
	}
	resp, err := s.CompleteNormalization(ctx(t), completeNorm(leases[0], ev, "", false))
	if err != nil || !resp.GetNormalized() || resp.GetDeliveries() != 1 {
		t.Fatalf("CompleteNormalization = %v, %v; want normalized with 1 delivery", resp, err)
	}
	if got, want := deliveryStates(t, s, "stripe", "evt_1"), map[string]ledgerv1.DeliveryState{"yes": ledgerv1.DeliveryState_DELIVERY_STATE_PENDING}; !maps.Equal(got, want) {
		t.Errorf("deliveries = %v, want %v", got, want)
	}
}
