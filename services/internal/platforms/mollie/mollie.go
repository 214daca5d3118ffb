// Package mollie is the Mollie platform, next-gen webhooks:
// X-Mollie-Signature, "sha256=" and the hex HMAC-SHA256 of the raw body
// keyed with the webhook's signing secret; the event id at the top of the
// body as the dedup key; the normalization of events with their embedded
// entity; and sample events.
//
// Sources (checked 2026-12): https://docs.mollie.com/reference/webhooks-new,
// https://docs.mollie.com/reference/webhooks-best-practices (HMAC-SHA256 of
// the raw body with the shared secret, in X-Mollie-Signature) and
// mollie-api-php's SignatureValidator with its tests
// (src/Webhooks/SignatureValidator.php, tests/Webhooks): the header value
// is "sha256=<hex>", the bare hex is accepted too, and several secrets are
// tried during a secret's migration. Its payload fixtures
// (tests/Fixtures/Webhooks/payloads) shape the goldens. No timestamp is
// signed: there is no replay window.
//
// Classic Mollie webhooks (a form body "id=tr_..." and no signature, to be
// confirmed by fetching the payment) are not accepted: they carry nothing
// this preset can verify.
package mollie

import (
	"crypto/sha256"
	"embed"
	"fmt"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const name = "mollie"

// Scheme is Mollie's signature: "sha256=" and the hex HMAC-SHA256 of the
// body in X-Mollie-Signature (the prefix may be left out, as the SDK
// accepts).
var Scheme = sig.Body{Platform: name, Header: "X-Mollie-Signature", Hash: sha256.New, Prefix: "sha256=", PrefixOptional: true}

//go:embed testdata
var testdata embed.FS

// Platform is Mollie, as the registry lists it.
var Platform = platform.Platform{
	Name:        name,
	NewVerifier: Scheme.Verifier,
	Sign:        Scheme.Sign,
	Key:         key,
	Normalize:   normalize,
	Mapping:     mapping,
	Samples:     samples,
	TestData:    testdata,
}

// key is the event id at the top of the body ("event_..."), kept by
// retries.
func key(_ map[string]string, body []byte) (eventid.Key, error) {
	id, err := eventid.TopString(body, "id")
	if err != nil {
		return eventid.Key{}, fmt.Errorf("mollie event id: %w: %v", apperr.ErrInvalid, err)
	}
	return eventid.Key{EventID: eventid.Encode(id)}, nil
}
