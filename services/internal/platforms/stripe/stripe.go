// Package stripe is the Stripe platform: the Stripe-Signature scheme
// (HMAC-SHA256 over "<t>.<body>", v1 entries, a timestamp window), the
// event id at the top of the body as the dedup key, the normalization of
// Stripe events and their mapping, and sample events.
//
// Verification: header Stripe-Signature "t=<unix>,v1=<hex>[,v1=<hex>...][,v0=...]".
// The signed bytes are "<t>.<body>", HMAC-SHA256 keyed with the endpoint
// secret string as-is, whsec_ prefix included (no base64 decoding). Items
// are split on "," and each at its first "="; spaces around an item are
// tolerated (they are not part of what is signed), an item without "=" or a
// repeated or non-numeric t is malformed, and a v1 value that is not 64 hex
// digits is ignored as Stripe's SDK does. Missing t or no usable v1 fails.
// Tolerance defaults to DefaultTolerance (300 s, as stripe-go).
// Stripe's SDK only rejects timestamps that are too old; we also reject a
// timestamp more than the tolerance in the future, because a signature
// dated ahead would stay replayable for longer than the window promises and
// a sender's clock that far ahead is a fault worth surfacing.
package stripe

import (
	"embed"
	"fmt"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
)

//go:embed testdata
var testdata embed.FS

// Platform is Stripe, as the registry lists it.
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

// key is the event id at the top of the body ("evt_..."): Stripe retries
// an event with the same id.
func key(_ map[string]string, body []byte) (eventid.Key, error) {
	id, err := eventid.TopString(body, "id")
	if err != nil {
		return eventid.Key{}, fmt.Errorf("stripe event id: %w: %v", apperr.ErrInvalid, err)
	}
	return eventid.Key{EventID: eventid.Encode(id)}, nil
}
