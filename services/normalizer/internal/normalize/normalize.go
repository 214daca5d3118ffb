package normalize

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/eventkey"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// SchemaVersion is the version of the normalization written into every
// event. It grows when an adapter's mapping changes meaning, so consumers
// and re-normalization can tell old events from new ones.
const SchemaVersion = 1

// request is one webhook as an adapter sees it.
type request struct {
	headers    map[string]string
	body       []byte
	receivedAt time.Time
}

// header returns the value of a header (names are lower case).
func (r request) header(name string) string { return r.headers[name] }

// adapter fills the platform-specific fields of ev. It may set ev.EventId
// and ev.Source itself when the platform's dedup key does not come from
// eventkey.Derive (a Slack url_verification has no event_id); otherwise
// Normalize derives them. It may set OccurredAt; Normalize defaults it to
// the receipt time.
type adapter func(r request, ev *eventv1.NormalizedEvent) error

// adapters are the presets: platforms known in code. Svix, Clerk and
// Resend send Standard Webhooks and share its adapter.
var adapters = map[string]adapter{
	"stripe":    normalizeStripe,
	"github":    normalizeGitHub,
	"shopify":   normalizeShopify,
	"slack":     normalizeSlack,
	"standard":  standardAdapter("standard"),
	"svix":      standardAdapter("svix"),
	"clerk":     standardAdapter("clerk"),
	"resend":    standardAdapter("resend"),
	"gitlab":    normalizeGitLab,
	"bitbucket": normalizeBitbucket,
	"paddle":    normalizePaddle,
	"linear":    normalizeLinear,
	"intercom":  normalizeIntercom,
	"zendesk":   normalizeZendesk,
	"hubspot":   normalizeHubSpot,
	"square":    normalizeSquare,
	"twilio":    normalizeTwilio,
	"twitch":    normalizeTwitch,
	"discord":   normalizeDiscord,
	"sendgrid":  normalizeSendGrid,
	"mailgun":   normalizeMailgun,
	"adyen":     normalizeAdyen,
}

// Platforms lists the preset platform names Normalize has an adapter for.
// Sources defined in configuration are listed by Normalizer.Platforms.
func Platforms() []string {
	return slices.Sorted(maps.Keys(adapters))
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
	adapt, ok := adapters[platform]
	configured, isConfigured := n.sources[platform]
	if !ok && isConfigured {
		adapt = configured.normalize
	}
	if !ok && !isConfigured {
		return nil, fmt.Errorf("normalize: platform %q: %w", platform, apperr.ErrNotFound)
	}
	if receivedAt.IsZero() {
		return nil, invalid(platform, "received_at is not set")
	}
	if headers == nil {
		headers = map[string]string{}
	}
	ev := newEvent(platform, receivedAt)
	if err := adapt(request{headers: headers, body: body, receivedAt: receivedAt}, ev); err != nil {
		return nil, err
	}
	if ev.EventId == "" {
		key, err := eventkey.Derive(platform, headers, body)
		if err != nil {
			if errors.Is(err, apperr.ErrNotFound) {
				// An adapter exists for platform, so eventkey lagging
				// behind is our bug, not the caller's.
				return nil, fmt.Errorf("normalize: event key of %q: %v", platform, err)
			}
			return nil, fmt.Errorf("normalize: event key: %w", err)
		}
		ev.EventId, ev.Source = key.EventID, key.Source
	}
	if err := finish(platform, ev); err != nil {
		return nil, err
	}
	return ev, nil
}

// newEvent is an event of platform before its adapter fills it.
func newEvent(platform string, receivedAt time.Time) *eventv1.NormalizedEvent {
	return &eventv1.NormalizedEvent{
		Platform:      platform,
		ReceivedAt:    timestamppb.New(receivedAt),
		Metadata:      map[string]string{},
		SchemaVersion: SchemaVersion,
	}
}

// finish defaults an adapted event's occurred_at to its receipt time,
// checks both times and drops empty metadata.
func finish(platform string, ev *eventv1.NormalizedEvent) error {
	if ev.OccurredAt == nil {
		ev.OccurredAt = ev.ReceivedAt
	}
	for _, ts := range [...]struct {
		name string
		ts   *timestamppb.Timestamp
	}{{"occurred_at", ev.OccurredAt}, {"received_at", ev.ReceivedAt}} {
		if err := ts.ts.CheckValid(); err != nil {
			return invalid(platform, "%s out of range: %v", ts.name, err)
		}
	}
	if len(ev.Metadata) == 0 {
		ev.Metadata = nil
	}
	return nil
}

// itemsAdapter reads every item of a batched delivery into its own event
// (from newEvent), for the platforms whose adapter makes one event of the
// first item only. Items carry no event_id: NormalizeAll keys them.
type itemsAdapter func(r request, newEvent func() *eventv1.NormalizedEvent) ([]*eventv1.NormalizedEvent, error)

// itemsAdapters are the platforms that batch events in one request, the
// platforms eventkey.ItemKeys keys. Mailgun sends one event per request.
var itemsAdapters = map[string]itemsAdapter{
	"sendgrid": arrayItems("sendgrid", sendgridItem),
	"hubspot":  arrayItems("hubspot", hubspotItem),
	"adyen":    adyenItems,
}

// arrayItems is the itemsAdapter of a platform whose body is a JSON array
// of items of type T, each read by fill (which refuses an item without
// its type).
func arrayItems[T any](platform string, fill func(T, int, *eventv1.NormalizedEvent) error) itemsAdapter {
	return func(r request, newEvent func() *eventv1.NormalizedEvent) ([]*eventv1.NormalizedEvent, error) {
		items, err := decodeBatch[T](platform, r.body)
		if err != nil {
			return nil, err
		}
		return eachItem(items, newEvent, fill)
	}
}

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
	items, batches := itemsAdapters[platform]
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
	events, err = items(request{headers: headers, body: body, receivedAt: receivedAt},
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

// occurred sets ev.OccurredAt to t unless t is zero.
func occurred(ev *eventv1.NormalizedEvent, t time.Time) {
	if !t.IsZero() {
		ev.OccurredAt = timestamppb.New(t)
	}
}
