package store

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hookmesh/hookmesh/services/ledger/internal/filter"
)

// FilteredSubscription is what deciding an event's deliveries needs of a
// subscription with a filter or an ordering key.
type FilteredSubscription struct {
	// Name, Filter and OrderingKey identify the verdict: a verdict applies
	// only while the subscription's stored filter and ordering key are
	// still these.
	Name, Filter, OrderingKey string
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
	// Names, Filters and OrderingKeys name each subscription and the
	// expressions evaluated.
	Names, Filters, OrderingKeys []string
	// Matched is the result; true for a subscription without a filter,
	// false when evaluation failed.
	Matched []bool
	// Errors holds the evaluation's failure (of the filter, or of the
	// ordering key of a matched event), "" when it succeeded: the
	// delivery is then a dead letter carrying it (ERROR_CLASS_FILTER).
	Errors []string
	// Keys holds the ordering key of a matched event, "" when the
	// subscription is unordered (stores then keep NULL).
	Keys []string
}

// FilterErrorCode is the history row's code of a filter that failed.
const FilterErrorCode = "FILTER"

// OrderingKeyErrorCode is the history row's code of an ordering key that
// failed; the error then starts with OrderingKeyErrorPrefix.
const OrderingKeyErrorCode = "ORDERING_KEY"

// OrderingKeyErrorPrefix starts the error of an ordering key that failed.
const OrderingKeyErrorPrefix = "ordering_key: "

// FailureCode is the history code of a Verdicts error.
func FailureCode(errText string) string {
	if strings.HasPrefix(errText, OrderingKeyErrorPrefix) {
		return OrderingKeyErrorCode
	}
	return FilterErrorCode
}

// EvaluateFilters evaluates the filter and the ordering key of every
// subscription in subs that keeps r's event (the key only when the filter
// matched). An expression that no longer compiles (it did when it was
// stored, so only a newer cel-go could refuse it) counts as an evaluation
// error. Never panics on any expression or body: cel-go returns errors,
// and the body is parsed as JSON or read as null. When it evaluated at
// least one expression it tells obs (nil: nobody) the verdicts and the
// time they took; an event that no filter or ordering key applies to is
// not timed, so unfiltered Records pay nothing for the metrics.
func EvaluateFilters(subs []FilteredSubscription, r Record, obs FilterObserver) Verdicts {
	var v Verdicts
	if r.Event == nil {
		return v
	}
	in := &filter.Input{Event: r.Event, Platform: r.Platform, Headers: r.Headers, Body: r.Body}
	var counts FilterCounts
	var start time.Time
	for _, s := range subs {
		if !s.Keeps(r.Platform, r.EventType) {
			continue
		}
		evaluated := s.Filter != "" || s.OrderingKey != ""
		if evaluated && obs != nil && start.IsZero() {
			start = time.Now()
		}
		matched, errText := s.Filter == "", ""
		if s.Filter == "" {
			// No filter: every event kept is matched.
		} else if p, err := filter.Cached(s.Filter); err != nil {
			errText = "filter: " + err.Error()
		} else if m, _, err := p.Eval(in); err != nil {
			errText = "filter: " + err.Error()
		} else {
			matched = m
		}
		key := ""
		if matched && s.OrderingKey != "" {
			if p, err := filter.CachedKey(s.OrderingKey); err != nil {
				matched, errText = false, OrderingKeyErrorPrefix+err.Error()
			} else if k, err := p.EvalKey(in); err != nil {
				matched, errText = false, OrderingKeyErrorPrefix+err.Error()
			} else {
				key = k
			}
		}
		if evaluated {
			counts.add(matched, errText)
		}
		v.Names = append(v.Names, s.Name)
		v.Filters = append(v.Filters, s.Filter)
		v.OrderingKeys = append(v.OrderingKeys, s.OrderingKey)
		v.Matched = append(v.Matched, matched)
		v.Errors = append(v.Errors, cleanText(errText, MaxErrorBytes))
		v.Keys = append(v.Keys, cleanText(key, maxKeyBytes))
	}
	if !start.IsZero() {
		counts.Took = time.Since(start)
		obs.FiltersEvaluated(counts)
	}
	return v
}

// FilterObserver is told what EvaluateFilters did, for the ledger's
// metrics: the stores stay free of any metrics library.
type FilterObserver interface {
	// FiltersEvaluated is called once per EvaluateFilters that evaluated
	// at least one filter or ordering key, from the Record (or
	// normalization) that asked; it must be cheap and safe for concurrent
	// use.
	FiltersEvaluated(FilterCounts)
}

// FilterCounts are the verdicts of one EvaluateFilters over the
// subscriptions whose filter or ordering key it evaluated (one per
// subscription kept by its platforms and event types), and the time they
// took together, the event's body parsed included.
type FilterCounts struct {
	// Matched: the filter matched (or there was none) and the ordering
	// key, if any, evaluated; a delivery follows.
	Matched int
	// NotMatched: the filter evaluated to false; no delivery.
	NotMatched int
	// Failed: the filter or the ordering key failed; the delivery is a
	// dead letter carrying the error.
	Failed int
	// Took is the wall time from the first evaluation to the last.
	Took time.Duration
}

func (c *FilterCounts) add(matched bool, errText string) {
	switch {
	case errText != "":
		c.Failed++
	case matched:
		c.Matched++
	default:
		c.NotMatched++
	}
}

// maxKeyBytes bounds a stored ordering key. Keys are compared whole, so a
// longer one is cut: two keys equal in their first maxKeyBytes share an
// order, which is safe (one at a time), only less parallel.
const maxKeyBytes = 1024

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
