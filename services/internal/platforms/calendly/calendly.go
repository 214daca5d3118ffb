// Package calendly is the Calendly platform: the Calendly-Webhook-Signature
// scheme (HMAC-SHA256 over "<t>.<body>", hex, in "t=<unix>,v1=<hex>" like
// Stripe's), a dedup key made of the event's type, resource and creation
// time (Calendly sends no event id), the normalization of its webhooks
// (none has a common meaning) and sample events.
//
// Source: https://developer.calendly.com/api-docs/overview/webhooks/webhook-signatures
package calendly

import (
	"embed"
	"encoding/json"
	"fmt"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
)

//go:embed testdata
var testdata embed.FS

// Platform is Calendly, as the registry lists it.
var Platform = platform.Platform{
	Name:             name,
	NewVerifier:      platform.Windowed(NewVerifier),
	Sign:             scheme.Sign,
	DefaultTolerance: DefaultTolerance,
	Key:              key,
	Normalize:        normalize,
	Mapping:          mapping,
	Samples:          samples,
	TestData:         testdata,
}

// mapping is empty: Calendly's events are bookings (invitee.created,
// invitee.canceled), no-shows and routing-form submissions, none of which
// is a payment, order, user, subscription, code or chat event. They pass
// through as EVENT_TYPE_UNMAPPED with their type and resource kept.
var mapping = map[string]eventv1.EventType{}

// keyFields are the fields of the dedup key, read as their exact bytes.
type keyFields struct {
	Event     eventid.RawString `json:"event"`
	CreatedAt eventid.RawString `json:"created_at"`
	Payload   *struct {
		URI eventid.RawString `json:"uri"`
	} `json:"payload"`
}

// key is "<event>:<created_at>:<payload.uri>". Calendly sends no delivery
// or event id; a retry repeats the body, and these three fields name one
// event: the type, when Calendly created it, and the invitee (or
// submission) it is about. A rescheduling sends invitee.canceled and
// invitee.created, which differ in type and resource, so both are kept.
func key(_ map[string]string, body []byte) (eventid.Key, error) {
	var k keyFields
	if err := json.Unmarshal(body, &k); err != nil {
		return eventid.Key{}, fmt.Errorf("calendly key: %w: %v", apperr.ErrInvalid, err)
	}
	if k.Event == "" || k.CreatedAt == "" || k.Payload == nil || k.Payload.URI == "" {
		return eventid.Key{}, fmt.Errorf("calendly key: event, created_at or payload.uri missing: %w", apperr.ErrInvalid)
	}
	return eventid.Key{EventID: eventid.Encode(string(k.Event) + ":" + string(k.CreatedAt) + ":" + string(k.Payload.URI))}, nil
}
