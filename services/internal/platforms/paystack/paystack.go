// Package paystack is the Paystack platform: x-paystack-signature, the hex
// HMAC-SHA512 of the raw body keyed with the secret key (sk_live_... or
// sk_test_...); the body's SHA-256 as the dedup key, since Paystack sends
// no event id; the normalization of charge, refund, invoice and
// subscription events; and sample events.
//
// Sources (checked 2026-12): https://paystack.com/docs/payments/webhooks/
// and its code samples (PaystackOSS/doc-code-snippets,
// src/doc/payments/webhooks/verifying-transaction: hash_hmac('sha512',
// body, secret key) compared with x-paystack-signature), and the event
// payloads of src/doc/payments/webhooks/events, which the goldens use.
// No timestamp is signed: there is no replay window. A page in the search
// corpus described a "t=...,v1=<kid>:<hex>" header over "<t>.<body>"; it is
// not in Paystack's snippet repository nor its docs, so it is not
// implemented.
//
// Dedup: a webhook carries no id of its own, and an event's data.id or
// reference is shared by the other events of the same transaction
// (charge.success, refund.processed ...). Paystack retries a failed
// delivery with the same body, so the content key dedups retries and
// never merges two events.
package paystack

import (
	"crypto/sha512"
	"embed"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const name = "paystack"

// Scheme is Paystack's signature: hex HMAC-SHA512 of the body in
// x-paystack-signature.
var Scheme = sig.Body{Platform: name, Header: "X-Paystack-Signature", Hash: sha512.New}

//go:embed testdata
var testdata embed.FS

// Platform is Paystack, as the registry lists it.
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
