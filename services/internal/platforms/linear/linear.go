// Package linear is the Linear platform: the Linear-Signature scheme (hex
// HMAC-SHA256 of the body, whose webhookTimestamp must be within a minute),
// Linear-Delivery as the dedup key, the normalization of data-change
// webhooks, and sample webhooks.
package linear

import (
	"embed"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
)

//go:embed testdata
var testdata embed.FS

// Platform is Linear, as the registry lists it.
var Platform = platform.Platform{
	Name:             linearPlatform,
	NewVerifier:      platform.Windowed(NewVerifier),
	Sign:             sign,
	DefaultTolerance: DefaultTolerance,
	Key:              key,
	Normalize:        normalize,
	Mapping:          mapping,
	Samples:          samples,
	TestData:         testdata,
}

// key is the delivery id.
func key(headers map[string]string, _ []byte) (eventid.Key, error) {
	var k eventid.Key
	k.EventID = headers["linear-delivery"]
	return k, nil
}
