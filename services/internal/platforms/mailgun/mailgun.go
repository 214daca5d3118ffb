// Package mailgun is the Mailgun platform: the signature inside the body
// (the hex HMAC-SHA256 of its timestamp and token, in a JSON signature
// object or form fields; the event data is not signed), event-data.id
// (else the token) as the dedup key, the normalization of email events
// (all unmapped), and sample webhooks.
package mailgun

import (
	"embed"
	"encoding/json"
	"net/url"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
)

//go:embed testdata
var testdata embed.FS

// Platform is Mailgun, as the registry lists it.
var Platform = platform.Platform{
	Name:             name,
	NewVerifier:      platform.Windowed(NewVerifier),
	Sign:             sign,
	DefaultTolerance: DefaultTolerance,
	BodySigned:       true,
	BodyUnsigned:     true,
	Key:              key,
	Normalize:        normalize,
	Mapping:          mapping,
	Samples:          samples,
	TestData:         testdata,
}

// key is event-data.id, else the signature token (JSON), else the form's
// token.
func key(_ map[string]string, body []byte) (eventid.Key, error) {
	return eventid.Key{EventID: eventid.Encode(id(body))}, nil
}

// id is key's id, raw.
func id(body []byte) string {
	var env struct {
		EventData struct {
			ID eventid.RawString `json:"id"`
		} `json:"event-data"`
		Signature struct {
			Token eventid.RawString `json:"token"`
		} `json:"signature"`
	}
	if json.Unmarshal(body, &env) == nil {
		return eventid.First(string(env.EventData.ID), string(env.Signature.Token))
	}
	if v, err := url.ParseQuery(string(body)); err == nil {
		return v.Get("token")
	}
	return ""
}
