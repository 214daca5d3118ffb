// Package okta is the Okta platform: event hooks, which Okta does not
// sign but authenticates with a header whose value the hook's
// registration sets (Authorization: <secret>, compared in constant time);
// the one-time verification GET, answered {"verification": <the
// X-Okta-Verification-Challenge header>}; the dedup key of the System Log
// events a request carries (data.events[].uuid); their normalization and
// its mapping; and sample event hooks.
//
// The body is not authenticated (as with GitLab): only the shared value
// in the header is, and TLS protects the rest.
//
// Source: https://developer.okta.com/docs/concepts/event-hooks/ (one-time
// verification request, ongoing event delivery, HTTP headers, sample
// payload).
package okta

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

//go:embed testdata
var testdata embed.FS

// Platform is Okta, as the registry lists it.
var Platform = platform.Platform{
	Name:         name,
	NewVerifier:  platform.Keyed(NewVerifier),
	Sign:         sign,
	BodyUnsigned: true,
	Key:          key,
	Handshake:    handshake,
	HandshakeGET: true,
	Normalize:    normalize,
	Mapping:      mapping,
	Samples:      samples,
	TestData:     testdata,
}

// maxEvents bounds the events of one request read for its key: Okta
// amalgamates events that occur close together, and a body listing
// millions must not make us sort millions.
const maxEvents = 1000

// key is the uuid of the request's one System Log event, which Okta keeps
// when it redelivers it ("compare the data.events.uuid value of incoming
// events against the values for events previously received"). A request
// of several events is keyed "batch:" and the SHA-256 of their sorted
// uuids, so a retry of the same events in another order is the same key.
func key(_ map[string]string, body []byte) (eventid.Key, error) {
	events, err := decodeEvents(body)
	if err != nil {
		return eventid.Key{}, fmt.Errorf("okta event uuid: %w", err)
	}
	if len(events) > maxEvents {
		return eventid.Key{}, fmt.Errorf("okta: %d events in one request, more than %d: %w", len(events), maxEvents, apperr.ErrInvalid)
	}
	ids := make([]string, len(events))
	for i, e := range events {
		if e.UUID == "" {
			return eventid.Key{}, fmt.Errorf("okta: event %d has no uuid: %w", i, apperr.ErrInvalid)
		}
		ids[i] = eventid.Encode(string(e.UUID))
	}
	if len(ids) == 1 {
		return eventid.Key{EventID: ids[0]}, nil
	}
	slices.Sort(ids)
	sum := sha256.Sum256([]byte(strings.Join(ids, "\n")))
	return eventid.Key{EventID: "batch:" + hex.EncodeToString(sum[:])}, nil
}

// decodeEvents returns the data.events of a body: at least one, each an
// object.
func decodeEvents(body []byte) ([]logEvent, error) {
	var b struct {
		Data *struct {
			Events []logEvent `json:"events"`
		} `json:"data"`
	}
	if err := norm.DecodeObject(name, body, &b); err != nil {
		return nil, err
	}
	if b.Data == nil || len(b.Data.Events) == 0 {
		return nil, norm.Invalid(name, "body has no data.events")
	}
	return b.Data.Events, nil
}
