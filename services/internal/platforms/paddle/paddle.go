// Package paddle is the Paddle Billing platform: the Paddle-Signature
// scheme ("ts=<unix>;h1=<hex>", HMAC-SHA256 of "<ts>:<body>", a 5-second
// window), event_id in the body as the dedup key, the normalization of
// notifications (money in minor units) and their mapping, and sample
// notifications.
package paddle

import (
	"embed"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
)

//go:embed testdata
var testdata embed.FS

// Platform is Paddle Billing, as the registry lists it.
var Platform = platform.Platform{
	Name:             paddlePlatform,
	NewVerifier:      platform.Windowed(NewVerifier),
	Sign:             scheme.Sign,
	DefaultTolerance: DefaultTolerance,
	Key:              key,
	Normalize:        normalize,
	Mapping:          mapping,
	Samples:          samples,
	TestData:         testdata,
}

// key is event_id at the top of the body.
func key(_ map[string]string, body []byte) (eventid.Key, error) {
	return eventid.Key{EventID: eventid.Encode(eventid.BodyString(body, idField))}, nil
}

// idField is the body field of the key, compiled once.
var idField = eventid.Field("event_id")
