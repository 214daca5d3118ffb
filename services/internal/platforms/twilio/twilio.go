// Package twilio is the Twilio platform: the X-Twilio-Signature scheme
// (base64 HMAC-SHA1 of the requested URL and the sorted form parameters,
// or of the URL alone with a JSON body's hash in its bodySHA256; no
// timestamp), I-Twilio-Idempotency-Token (else the content key) scoped by
// the AccountSid as the dedup key, the normalization of messaging and
// voice callbacks and their mapping, and sample callbacks.
package twilio

import (
	"embed"
	"net/url"

	"github.com/hookmesh/hookmesh/services/internal/dotpath"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
)

//go:embed testdata
var testdata embed.FS

// Platform is Twilio, as the registry lists it.
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

// key is the idempotency token, scoped by the account.
func key(headers map[string]string, body []byte) (eventid.Key, error) {
	k := eventid.Key{Source: eventid.Encode(account(body)), EventID: headers["i-twilio-idempotency-token"]}
	if k.EventID == "" {
		// Twilio sends the token only where it retries; a callback's
		// parameters identify its event, so its bytes are its key.
		k.EventID = eventid.ContentKey(body).EventID
	}
	return k, nil
}

// accountFields are the top-level fields of a JSON body account reads,
// compiled once.
var accountFields = dotpath.CompileMembers([][]string{{"AccountSid"}, {"account_sid"}})

// account is the AccountSid of a form (or JSON) body.
func account(body []byte) string {
	var buf [2][]byte
	f := eventid.TopFields(body, accountFields, buf[:0])
	if s := eventid.First(eventid.RawText(f[0]), eventid.RawText(f[1])); s != "" {
		return s
	}
	if v, err := url.ParseQuery(string(body)); err == nil {
		return v.Get("AccountSid")
	}
	return ""
}
