// Package intercom is the Intercom platform: the X-Hub-Signature scheme
// ("sha1=<hex>" HMAC-SHA1 of the body, no timestamp), the notification id
// scoped by the app as the dedup key, the normalization of notifications
// and their mapping, and sample notifications.
package intercom

import (
	"embed"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
)

//go:embed testdata
var testdata embed.FS

// Platform is Intercom, as the registry lists it.
var Platform = platform.Platform{
	Name:        intercomPlatform,
	NewVerifier: platform.Keyed(NewVerifier),
	Sign:        sign,
	Key:         key,
	Normalize:   normalize,
	Mapping:     mapping,
	Samples:     samples,
	TestData:    testdata,
}

// key is the notification's id, scoped by the app.
func key(_ map[string]string, body []byte) (eventid.Key, error) {
	var k eventid.Key
	m, _ := eventid.BodyFields(body)
	k.EventID = eventid.Encode(eventid.RawText(m["id"]))
	k.Source = eventid.Encode(eventid.RawText(m["app_id"]))
	return k, nil
}
