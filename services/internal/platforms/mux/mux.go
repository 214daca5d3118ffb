// Package mux is the Mux platform (video): the Mux-Signature header
// ("t=<unix>,v1=<hex>", the HMAC-SHA256 of "<t>.<body>", Stripe's scheme),
// the event id at the top of the body as the dedup key, the
// normalization of Mux events (none has a common meaning) and sample
// events.
//
// Sources: https://www.mux.com/docs/core/verify-webhook-signatures and
// the Mux Node SDK's webhook tests (muxinc/mux-node-sdk,
// tests/api-resources/webhooks.test.ts), whose vector TestMuxVector
// checks.
package mux

import (
	"embed"
	"fmt"
	"time"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

//go:embed testdata
var testdata embed.FS

const name = "mux"

// Platform is Mux, as the registry lists it.
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

// scheme is Stripe's, under Mux's header.
var scheme = sig.TV1{Platform: name, Header: "Mux-Signature"}

// DefaultTolerance is the Mux SDKs' default: their tests reject a
// signature six minutes old, and the Elixir SDK names 300 seconds. We
// apply it in both directions.
const DefaultTolerance = 300 * time.Second

// mapping is empty: Mux's events are about video assets, live streams and
// uploads (video.asset.ready, video.live_stream.active ...), none of which
// is a payment, order, user, subscription, code or chat event. They pass
// through as EVENT_TYPE_UNMAPPED with the object kept.
var mapping = map[string]eventv1.EventType{}

// NewVerifier returns a Verifier of the Mux-Signature header. Each secret
// is a webhook's signing secret used as-is (Mux has one per endpoint);
// several v1 entries are accepted, any one may match, and other schemes
// are ignored, as in Mux's SDKs. A non-positive tolerance means
// DefaultTolerance.
func NewVerifier(secrets []string, tolerance time.Duration) platform.Verifier {
	return scheme.Verifier(secrets, sig.OrDefault(tolerance, DefaultTolerance))
}

// Signature returns the Mux-Signature value Mux would send for body at ts
// under secret: "t=<unix>,v1=<hex>".
func Signature(secret string, ts time.Time, body []byte) string {
	return scheme.Signature(secret, ts, body)
}

// key is the event id at the top of the body. A retry of an event keeps
// its id while its body changes (the attempts array grows), so the id,
// not the bytes, is the key.
func key(_ map[string]string, body []byte) (eventid.Key, error) {
	id, err := eventid.TopString(body, "id")
	if err != nil {
		return eventid.Key{}, fmt.Errorf("mux event id: %w: %v", apperr.ErrInvalid, err)
	}
	return eventid.Key{EventID: eventid.Encode(id)}, nil
}
