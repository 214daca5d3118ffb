// Package lemonsqueezy is the Lemon Squeezy platform: X-Signature, the hex
// HMAC-SHA256 of the raw body keyed with the webhook's signing secret; the
// body's SHA-256 as the dedup key, since Lemon Squeezy sends no event id;
// the normalization of order, subscription and subscription-invoice
// events (meta.event_name, also in X-Event-Name); and sample events.
//
// Sources (checked 2026-12): https://docs.lemonsqueezy.com/help/webhooks/signing-requests
// (the hash is an HMAC hex digest of the payload with the signing secret,
// "normally a random string between 6 and 40 characters", sent in
// X-Signature) and https://docs.lemonsqueezy.com/help/webhooks/webhook-requests
// (headers X-Event-Name and X-Signature; a failed delivery is retried up to
// three more times, after 5, 25 and 125 seconds; custom checkout data is in
// meta.custom_data). No timestamp is signed: there is no replay window.
//
// Dedup: the payload is a JSON:API resource with no event id, and the
// resource's id is shared by all its events (subscription_updated comes
// many times for one subscription). Retries resend the same body, so the
// content key dedups them and never merges two events.
package lemonsqueezy

import (
	"crypto/sha256"
	"embed"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	name = "lemonsqueezy"
	// EventNameHeader names the event, as meta.event_name does.
	EventNameHeader = "X-Event-Name"
)

// Scheme is Lemon Squeezy's signature: hex HMAC-SHA256 of the body in
// X-Signature.
var Scheme = sig.Body{Platform: name, Header: "X-Signature", Hash: sha256.New}

//go:embed testdata
var testdata embed.FS

// Platform is Lemon Squeezy, as the registry lists it.
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

// key is the content key (see the package doc).
func key(_ map[string]string, body []byte) (eventid.Key, error) {
	return eventid.ContentKey(body), nil
}
