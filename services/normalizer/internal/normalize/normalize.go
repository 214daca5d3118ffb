package normalize

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/eventkey"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
	"github.com/hookmesh/hookmesh/services/internal/platforms"
)

// SchemaVersion is the version of the normalization written into every
// event (norm.SchemaVersion).
const SchemaVersion = norm.SchemaVersion

// request is one webhook as an adapter sees it.
type request = norm.Request

// adapter fills the platform-specific fields of ev. It may set ev.EventId
// and ev.Source itself when the platform's dedup key does not come from
// eventkey.Derive (a Slack url_verification has no event_id); otherwise
// Normalize derives them. It may set OccurredAt; Normalize defaults it to
// the receipt time.
type adapter = norm.Adapter

// Platforms lists the preset platform names Normalize has an adapter for:
// the registered platforms. Sources defined in configuration are listed by
// Normalizer.Platforms.
func Platforms() []string {
	var names []string
	for _, p := range platforms.All() {
		names = append(names, p.Name)
	}
	slices.Sort(names)
	return names
}

// presetAdapter returns the adapter of a preset platform.
func presetAdapter(platform string) (adapter, bool) {
	if p, ok := platforms.Lookup(platform); ok {
		return p.Normalize, true
	}
	return nil, false
}

// Normalize turns one webhook of a preset platform into a NormalizedEvent;
// it is Normalizer.Normalize with no configured sources.
func Normalize(platform string, headers map[string]string, body []byte, receivedAt time.Time) (*eventv1.NormalizedEvent, error) {
	return presetsOnly.Normalize(platform, headers, body, receivedAt)
}

var presetsOnly = &Normalizer{}

// Normalize turns one webhook of platform into a NormalizedEvent. headers
// have lower-case names; body is the exact bytes received; receivedAt is
// when the edge received it and must be set (Normalize reads no clock, so
// the same input always gives the same event). platform is a preset or,
// failing that, a configured source. An unknown platform is
// apperr.ErrNotFound; a payload the adapter cannot understand is
// apperr.ErrInvalid with the reason.
func (n *Normalizer) Normalize(platform string, headers map[string]string, body []byte, receivedAt time.Time) (*eventv1.NormalizedEvent, error) {
	adapt, ok := presetAdapter(platform)
	configured, isConfigured := n.sources[platform]
	if !ok && isConfigured {
		adapt = configured.normalize
	}
	if !ok && !isConfigured {
		return nil, fmt.Errorf("normalize: platform %q: %w", platform, apperr.ErrNotFound)
	}
	return norm.Event(platform, adapt, func(headers map[string]string, body []byte) (eventkey.Key, error) {
		key, err := eventkey.Derive(platform, headers, body)
		if err != nil {
			if errors.Is(err, apperr.ErrNotFound) {
				// An adapter exists for platform, so eventkey lagging
				// behind is our bug, not the caller's.
				return key, fmt.Errorf("normalize: event key of %q: %v", platform, err)
			}
			return key, fmt.Errorf("normalize: event key: %w", err)
		}
		return key, nil
	}, headers, body, receivedAt)
}

// newEvent is an event of platform before its adapter fills it.
var newEvent = norm.NewEvent

// finish defaults an adapted event's occurred_at to its receipt time,
// checks both times and drops empty metadata.
var finish = norm.Finish

// NormalizeAll is Normalize, and also returns every event of the delivery
// (NormalizeResponse.events): ev alone for a single-event webhook or a
// batch of one item; for a batch of several, one event per item in the
// body's order, each keyed by the item's own id (eventkey.ItemKeys), with
// metadata item_index and item_count. A batch normalizes only when every
// item does: an item the adapter refuses fails the whole delivery, as a
// first item does for Normalize.
func (n *Normalizer) NormalizeAll(platform string, headers map[string]string, body []byte, receivedAt time.Time) (ev *eventv1.NormalizedEvent, events []*eventv1.NormalizedEvent, err error) {
	ev, err = n.Normalize(platform, headers, body, receivedAt)
	if err != nil {
		return nil, nil, err
	}
	items, batches := presetItems(platform)
	if !batches {
		return ev, []*eventv1.NormalizedEvent{ev}, nil
	}
	keys, _, err := eventkey.ItemKeys(platform, body)
	if err != nil {
		return nil, nil, fmt.Errorf("normalize: item keys: %w", err)
	}
	if len(keys) == 1 {
		return ev, []*eventv1.NormalizedEvent{ev}, nil
	}
	events, err = items(request{Headers: headers, Body: body, ReceivedAt: receivedAt},
		func() *eventv1.NormalizedEvent { return newEvent(platform, receivedAt) })
	if err != nil {
		return nil, nil, err
	}
	if len(events) != len(keys) {
		// Two readings of the same bytes disagree: our bug.
		return nil, nil, fmt.Errorf("normalize: %s batch of %d events has %d keys", platform, len(events), len(keys))
	}
	count := strconv.Itoa(len(events))
	for i, e := range events {
		e.EventId, e.Source = keys[i].EventID, keys[i].Source
		e.Metadata["item_index"] = strconv.Itoa(i)
		e.Metadata["item_count"] = count
		if err := finish(platform, e); err != nil {
			return nil, nil, err
		}
	}
	return ev, events, nil
}

// presetItems returns the items adapter of a batching preset
// (Platform.Items of the registry).
func presetItems(platform string) (norm.ItemsAdapter, bool) {
	p, ok := platforms.Lookup(platform)
	if !ok || p.Items == nil {
		return nil, false
	}
	return p.Items.Normalize, true
}
