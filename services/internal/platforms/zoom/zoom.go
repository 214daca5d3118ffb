// Package zoom is the Zoom platform: the x-zm-signature header
// ("v0=<hex>", the HMAC-SHA256 of "v0:<x-zm-request-timestamp>:<body>"
// under the app's secret token), the endpoint.url_validation handshake
// (answered with the token's HMAC under the secret that signed it), a
// dedup key made of the event, its time and its object, the
// normalization of Zoom events with their mapping, and sample events.
//
// Sources: https://developers.zoom.us/docs/api/webhooks/ and Zoom's own
// library, Rivet (zoom/rivet-javascript: CommonHttpRequest verifies the
// signature of every request, url_validation included, then answers it
// with hashUrlValidationEvent).
package zoom

import (
	"embed"
	"encoding/json"
	"fmt"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
)

//go:embed testdata
var testdata embed.FS

// Platform is Zoom, as the registry lists it. Its handshake needs the
// secret, so its verifier answers it (platform.SecretHandshaker) and
// Handshake is nil.
var Platform = platform.Platform{
	Name:             name,
	NewVerifier:      platform.Windowed(NewVerifier),
	Sign:             Scheme.Sign,
	DefaultTolerance: DefaultTolerance,
	Key:              key,
	Normalize:        normalize,
	Mapping:          mapping,
	Samples:          samples,
	TestData:         testdata,
}

// envelope is every Zoom webhook: {"event": "meeting.started",
// "event_ts": <unix ms>, "payload": {"account_id": ..., "object": {...},
// ...}}.
type envelope struct {
	Event   eventid.RawString `json:"event"`
	EventTS json.RawMessage   `json:"event_ts"`
	Payload *struct {
		AccountID eventid.RawString          `json:"account_id"`
		Object    map[string]json.RawMessage `json:"object"`
	} `json:"payload"`
}

// objectID returns the id of a payload's object as its exact text: a
// meeting's uuid (its id is reused by recurring meetings), else its id
// (a number or a string), else a chat message's message_id.
func objectID(object map[string]json.RawMessage) string {
	for _, name := range []string{"uuid", "id", "message_id"} {
		raw := object[name]
		if len(raw) == 0 || string(raw) == "null" {
			continue
		}
		if s, ok := eventid.UnquoteBytes(raw); ok {
			if s != "" {
				return s
			}
			continue
		}
		if raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9' {
			return string(raw)
		}
	}
	return ""
}

// key is "<event>:<event_ts>[:<object id>]", scoped by the account.
// Zoom sends no event id (x-zm-trackingid names a request, not an
// event); a retry repeats the event, its time and its object.
func key(_ map[string]string, body []byte) (eventid.Key, error) {
	var e envelope
	if err := json.Unmarshal(body, &e); err != nil {
		return eventid.Key{}, fmt.Errorf("zoom key: %w: %v", apperr.ErrInvalid, err)
	}
	ts := string(e.EventTS)
	if e.Event == "" || ts == "" || ts[0] < '0' || ts[0] > '9' {
		return eventid.Key{}, fmt.Errorf("zoom key: event or event_ts missing: %w", apperr.ErrInvalid)
	}
	id := string(e.Event) + ":" + ts
	var k eventid.Key
	if p := e.Payload; p != nil {
		if o := objectID(p.Object); o != "" {
			id += ":" + o
		}
		k.Source = eventid.Encode(string(p.AccountID))
	}
	k.EventID = eventid.Encode(id)
	return k, nil
}
