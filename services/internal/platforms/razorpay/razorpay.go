// Package razorpay is the Razorpay platform: X-Razorpay-Signature, the
// hex HMAC-SHA256 of the raw body keyed with the webhook secret; the
// x-razorpay-event-id header as the dedup key; the normalization of
// payment, order, refund and subscription events; and sample events.
//
// Sources (checked 2026-12): https://razorpay.com/docs/webhooks/validate-test/
// (the signature is "HMAC with SHA256 algorithm; with your webhook secret
// set as the key and the webhook request body as the message", hex;
// duplicates are identified by x-razorpay-event-id; after a secret change
// older retries still carry the old secret's signature, so both secrets
// stay configured for the 24 hours of retries) and the test vector of
// razorpay-node's validateWebhookSignature (test/utils/razorpay-utils.spec.js).
// No timestamp is signed: there is no replay window.
package razorpay

import (
	"crypto/sha256"
	"embed"
	"fmt"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	name = "razorpay"
	// EventIDHeader carries the event id, the same on every retry.
	EventIDHeader = "X-Razorpay-Event-Id"
)

// Scheme is Razorpay's signature: hex HMAC-SHA256 of the body in
// X-Razorpay-Signature.
var Scheme = sig.Body{Platform: name, Header: "X-Razorpay-Signature", Hash: sha256.New}

//go:embed testdata
var testdata embed.FS

// Platform is Razorpay, as the registry lists it.
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

// key is the x-razorpay-event-id header ("evt_..."), unique per event and
// kept by retries. Event ids are global to Razorpay: no scope.
func key(headers map[string]string, _ []byte) (eventid.Key, error) {
	id := headers["x-razorpay-event-id"]
	if id == "" {
		return eventid.Key{}, fmt.Errorf("razorpay: no x-razorpay-event-id header: %w", apperr.ErrInvalid)
	}
	return eventid.Key{EventID: id}, nil
}
