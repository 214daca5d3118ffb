// Package typeform is the Typeform platform: the Typeform-Signature
// header ("sha256=" and the base64 HMAC-SHA256 of the body, no
// timestamp), the event_id at the top of the body as the dedup key, the
// normalization of form responses (which have no common meaning) and
// sample responses.
//
// Sources: https://www.typeform.com/developers/webhooks/secure-your-webhooks/
// and https://www.typeform.com/developers/webhooks/example-payload/
package typeform

import (
	"crypto/sha256"
	"embed"
	"fmt"
	"net/http"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

//go:embed testdata
var testdata embed.FS

const name = "typeform"

// Platform is Typeform, as the registry lists it.
var Platform = platform.Platform{
	Name:        name,
	NewVerifier: platform.Keyed(NewVerifier),
	Sign:        sign,
	Key:         key,
	Normalize:   normalize,
	Mapping:     mapping,
	Samples:     samples,
	TestData:    testdata,
}

// scheme is Typeform's signature: "sha256=" and the padded standard
// base64 HMAC-SHA256 of the raw body, keyed with the webhook's secret
// as-is. Typeform signs no timestamp, so there is no replay window.
var scheme = sig.Body{Hash: sha256.New, Platform: name, Header: "Typeform-Signature", Prefix: "sha256=", Base64: true}

// mapping is empty: a form response (form_response, and
// form_response_partial for partial responses) is not a payment, order,
// user, subscription, code or chat event. It passes through as
// EVENT_TYPE_UNMAPPED with the form and response ids kept.
var mapping = map[string]eventv1.EventType{}

// NewVerifier returns a Verifier of the Typeform-Signature header. Each
// secret is a webhook secret, used as-is; several may be active while one
// is rotated (Typeform sends one signature, by the webhook's current
// secret).
func NewVerifier(secrets []string) platform.Verifier { return scheme.NewVerifier(secrets) }

// Signature returns the Typeform-Signature value Typeform would send for
// body under secret: "sha256=<base64>".
func Signature(secret string, body []byte) string { return scheme.Signature(secret, body) }

// sign is Platform.Sign: the Typeform-Signature header; the body is sent
// as it is.
func sign(in platform.SignInput) (http.Header, []byte, error) {
	return http.Header{scheme.Header: {Signature(in.Secret, in.Body)}}, in.Body, nil
}

// key is the event_id at the top of the body, the unique id Typeform
// gives each webhook event.
func key(_ map[string]string, body []byte) (eventid.Key, error) {
	id, err := eventid.TopString(body, "event_id")
	if err != nil {
		return eventid.Key{}, fmt.Errorf("typeform event id: %w: %v", apperr.ErrInvalid, err)
	}
	return eventid.Key{EventID: eventid.Encode(id)}, nil
}
