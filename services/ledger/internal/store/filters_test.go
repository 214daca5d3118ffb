package store

import (
	"testing"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
)

// countingObserver keeps every report.
type countingObserver struct{ reports []FilterCounts }

func (o *countingObserver) FiltersEvaluated(c FilterCounts) { o.reports = append(o.reports, c) }

// TestEvaluateFiltersObserver: one report per event that had a filter or
// an ordering key to evaluate, counting each subscription's verdict
// (an ordering key that fails is an error, one alone a match), and none
// for an event that no filter or key applies to (unfiltered
// subscriptions, other platforms, an event not normalized).
func TestEvaluateFiltersObserver(t *testing.T) {
	r := Record{Platform: "stripe", EventType: 1, Body: []byte(`{"id":"evt_1"}`),
		Event: &eventv1.NormalizedEvent{Platform: "stripe", EntityId: "pi_1"}}
	subs := []FilteredSubscription{
		{Name: "yes", Filter: `payload.id == "evt_1"`},
		{Name: "no", Filter: `payload.id == "other"`},
		{Name: "broken", Filter: `payload.amount > 1`},
		{Name: "keyed", OrderingKey: "event.entity_id"},
		{Name: "badkey", Filter: "true", OrderingKey: "payload.missing"},
		{Name: "github", Filter: "true", Platforms: []string{"github"}},
		{Name: "plain"},
	}
	var o countingObserver
	v := EvaluateFilters(subs, r, &o)
	if len(v.Names) != 6 {
		t.Errorf("verdicts for %v, want every subscription but github's", v.Names)
	}
	if len(o.reports) != 1 {
		t.Fatalf("reports = %v, want one", o.reports)
	}
	if c := o.reports[0]; c.Matched != 2 || c.NotMatched != 1 || c.Failed != 2 || c.Took <= 0 {
		t.Errorf("counts = %+v, want 2 matched, 1 not matched, 2 failed and some time", c)
	}

	o.reports = nil
	EvaluateFilters([]FilteredSubscription{{Name: "plain"}, {Name: "github", Filter: "true", Platforms: []string{"github"}}}, r, &o)
	unnormalized := r
	unnormalized.Event = nil
	EvaluateFilters(subs, unnormalized, &o)
	if len(o.reports) != 0 {
		t.Errorf("reports = %v, want none: nothing was evaluated", o.reports)
	}
	EvaluateFilters(subs, r, nil) // nobody to tell: must not panic
}
