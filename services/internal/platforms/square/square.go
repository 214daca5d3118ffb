// Package square is the Square platform: the x-square-hmacsha256-signature
// scheme (base64 HMAC-SHA256 of the notification URL and the body, no
// timestamp), event_id scoped by merchant_id as the dedup key, the
// normalization of webhooks and their mapping, and sample webhooks.
package square

import (
	"embed"

	"github.com/hookmesh/hookmesh/services/internal/dotpath"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
)

//go:embed testdata
var testdata embed.FS

// Platform is Square, as the registry lists it.
var Platform = platform.Platform{
	Name:        name,
	NewVerifier: platform.Keyed(NewVerifier),
	Sign:        sign,
	SignsURL:    true,
	Key:         key,
	Normalize:   normalize,
	Mapping:     mapping,
	Samples:     samples,
	TestData:    testdata,
}

// keyFields are the top-level fields key reads, compiled once.
var keyFields = dotpath.CompileMembers([][]string{{"event_id"}, {"merchant_id"}})

// key is the event_id, scoped by the merchant.
func key(_ map[string]string, body []byte) (eventid.Key, error) {
	var buf [2][]byte
	f := eventid.TopFields(body, keyFields, buf[:0])
	return eventid.Key{EventID: eventid.Encode(eventid.RawText(f[0])), Source: eventid.Encode(eventid.RawText(f[1]))}, nil
}
