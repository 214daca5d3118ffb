// Package intercom is the Intercom platform: the X-Hub-Signature scheme
// ("sha1=<hex>" HMAC-SHA1 of the body, no timestamp), the notification id
// scoped by the app as the dedup key, the normalization of notifications
// and their mapping, and sample notifications.
package intercom

import (
	"embed"
	"github.com/hookmesh/hookmesh/services/internal/dotpath"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
)

//go:embed testdata
var testdata embed.FS

// Platform is Intercom, as the registry lists it.
var Platform = platform.Platform{
	Name:        intercomPlatform,
	NewVerifier: platform.Keyed(NewVerifier),
	Sign:        scheme.Sign,
	Key:         key,
	Normalize:   normalize,
	Mapping:     mapping,
	Samples:     samples,
	TestData:    testdata,
}

// key is the notification's id, scoped by the app.
func key(_ map[string]string, body []byte) (eventid.Key, error) {
	var k eventid.Key
	var buf [2][]byte
	f := eventid.TopFields(body, keyFields, buf[:0])
	k.EventID = eventid.Encode(eventid.RawText(f[0]))
	k.Source = eventid.Encode(eventid.RawText(f[1]))
	return k, nil
}

// keyFields are the top-level fields of the key, compiled once.
var keyFields = dotpath.CompileMembers([][]string{{"id"}, {"app_id"}})
