// Package norm holds what platform adapters share to turn a webhook into
// a NormalizedEvent: the Request an adapter reads, the Adapter signature,
// the lenient JSON types and decoding helpers every adapter uses, and
// Event, the one pipeline (adapt, key, finish) the normalizer and the
// platform golden tests both run, so a golden proves what production does.
package norm

import (
	"time"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// SchemaVersion is the version of the normalization written into every
// event. It grows when an adapter's mapping changes meaning, so consumers
// and re-normalization can tell old events from new ones.
const SchemaVersion = 1

// Request is one webhook as an adapter sees it.
type Request struct {
	// Headers have lower-case names.
	Headers map[string]string
	// Body is the exact bytes received.
	Body []byte
	// ReceivedAt is when the edge received the webhook.
	ReceivedAt time.Time
}

// Header returns the value of a header (names are lower case).
func (r Request) Header(name string) string { return r.Headers[name] }

// Adapter fills the platform-specific fields of ev. It may set ev.EventId
// and ev.Source itself when the platform's dedup key does not come from
// its key derivation (a Slack url_verification has no event_id); otherwise
// Event derives them. It may set OccurredAt; Event defaults it to the
// receipt time. A payload it cannot understand is an Invalid error.
type Adapter func(r Request, ev *eventv1.NormalizedEvent) error

// KeyFunc derives the dedup key of a webhook (eventkey.Derive for one
// platform).
type KeyFunc func(headers map[string]string, body []byte) (eventid.Key, error)

// Event runs the normalization of one webhook of platform: adapt fills a
// fresh event, key supplies its dedup key when adapt did not, and Finish
// completes it. receivedAt must be set (Event reads no clock, so the same
// input always gives the same event).
func Event(platform string, adapt Adapter, key KeyFunc, headers map[string]string, body []byte, receivedAt time.Time) (*eventv1.NormalizedEvent, error) {
	if receivedAt.IsZero() {
		return nil, Invalid(platform, "received_at is not set")
	}
	if headers == nil {
		headers = map[string]string{}
	}
	ev := NewEvent(platform, receivedAt)
	if err := adapt(Request{Headers: headers, Body: body, ReceivedAt: receivedAt}, ev); err != nil {
		return nil, err
	}
	if ev.EventId == "" {
		k, err := key(headers, body)
		if err != nil {
			return nil, err
		}
		ev.EventId, ev.Source = k.EventID, k.Source
	}
	if err := Finish(platform, ev); err != nil {
		return nil, err
	}
	return ev, nil
}

// NewEvent is an event of platform before its adapter fills it.
func NewEvent(platform string, receivedAt time.Time) *eventv1.NormalizedEvent {
	return &eventv1.NormalizedEvent{
		Platform:      platform,
		ReceivedAt:    timestamppb.New(receivedAt),
		Metadata:      map[string]string{},
		SchemaVersion: SchemaVersion,
	}
}

// Finish defaults an adapted event's occurred_at to its receipt time,
// checks both times and drops empty metadata.
func Finish(platform string, ev *eventv1.NormalizedEvent) error {
	if ev.OccurredAt == nil {
		ev.OccurredAt = ev.ReceivedAt
	}
	for _, ts := range [...]struct {
		name string
		ts   *timestamppb.Timestamp
	}{{"occurred_at", ev.OccurredAt}, {"received_at", ev.ReceivedAt}} {
		if err := ts.ts.CheckValid(); err != nil {
			return Invalid(platform, "%s out of range: %v", ts.name, err)
		}
	}
	if len(ev.Metadata) == 0 {
		ev.Metadata = nil
	}
	return nil
}

// Occurred sets ev.OccurredAt to t unless t is zero.
func Occurred(ev *eventv1.NormalizedEvent, t time.Time) {
	if !t.IsZero() {
		ev.OccurredAt = timestamppb.New(t)
	}
}

// Mapped returns the common type of sourceType in a platform's mapping
// table, or EVENT_TYPE_UNMAPPED.
func Mapped(mapping map[string]eventv1.EventType, sourceType string) eventv1.EventType {
	if t, ok := mapping[sourceType]; ok {
		return t
	}
	return eventv1.EventType_EVENT_TYPE_UNMAPPED
}
