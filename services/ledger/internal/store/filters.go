package store

import (
	"slices"
	"sync"

	"github.com/hookmesh/hookmesh/services/ledger/internal/filter"
)

// FilteredSubscription is what deciding an event's deliveries needs of a
// subscription with a filter.
type FilteredSubscription struct {
	// Name and Filter identify the verdict: a verdict applies only while
	// the subscription's stored filter is still this one.
	Name, Filter string
	// Platforms and EventTypes are the subscription's other filters,
	// empty for all.
	Platforms []string
	// EventTypes holds EventType numbers.
	EventTypes []int32
}

// Keeps reports whether the subscription's platforms and event types keep
// the event, as the stores' delivery statements decide.
func (f FilteredSubscription) Keeps(platform string, eventType int32) bool {
	return eventType != 0 && (len(f.Platforms) == 0 || slices.Contains(f.Platforms, platform)) &&
		(len(f.EventTypes) == 0 || slices.Contains(f.EventTypes, eventType))
}

// Verdicts are the filters' results on one event, as parallel arrays (the
// PostgreSQL statement unnests them).
type Verdicts struct {
	// Names and Filters name each subscription and the filter evaluated.
	Names, Filters []string
	// Matched is the result; false when evaluation failed.
	Matched []bool
	// Errors holds the evaluation's failure, "" when it succeeded: the
	// delivery is then a dead letter carrying it (ERROR_CLASS_FILTER).
	Errors []string
}

// FilterErrorCode is the history row's code of a filter that failed.
const FilterErrorCode = "FILTER"

// EvaluateFilters evaluates the filter of every subscription in subs that
// keeps r's event. An expression that no longer compiles (it did when it
// was stored, so only a newer cel-go could refuse it) counts as an
// evaluation error. Never panics on any expression or body: cel-go
// returns errors, and the body is parsed as JSON or read as null.
func EvaluateFilters(subs []FilteredSubscription, r Record) Verdicts {
	var v Verdicts
	if r.Event == nil {
		return v
	}
	in := &filter.Input{Event: r.Event, Platform: r.Platform, Headers: r.Headers, Body: r.Body}
	for _, s := range subs {
		if !s.Keeps(r.Platform, r.EventType) {
			continue
		}
		matched, errText := false, ""
		if p, err := filter.Cached(s.Filter); err != nil {
			errText = "filter: " + err.Error()
		} else if m, _, err := p.Eval(in); err != nil {
			errText = "filter: " + err.Error()
		} else {
			matched = m
		}
		v.Names = append(v.Names, s.Name)
		v.Filters = append(v.Filters, s.Filter)
		v.Matched = append(v.Matched, matched)
		v.Errors = append(v.Errors, cleanText(errText, MaxErrorBytes))
	}
	return v
}

// FilterCache holds the subscriptions with a filter for a store whose
// delivery statement cannot read them itself before it decides
// (PostgreSQL's one-statement Record). The statement refuses verdicts
// made from a stale list (a filter that changed, a filtered subscription
// missing), and the store reloads the list and runs it again. It starts
// empty: while no subscription has a filter, it is never loaded.
type FilterCache struct {
	mu   sync.Mutex
	subs []FilteredSubscription
}

// Get returns the current list.
func (c *FilterCache) Get() []FilteredSubscription {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.subs
}

// Set replaces the list.
func (c *FilterCache) Set(subs []FilteredSubscription) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.subs = subs
}
