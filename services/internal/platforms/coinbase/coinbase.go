// Package coinbase is the Coinbase Commerce platform: X-CC-Webhook-Signature,
// the hex HMAC-SHA256 of the raw body keyed with the endpoint's shared
// secret; event.id as the dedup key; the normalization of charge events;
// and sample events.
//
// Sources (checked 2026-12): https://docs.cdp.coinbase.com/commerce/api-arcitecture/webhooks-security
// ("the SHA256 HMAC signature of the raw request payload, computed using
// your webhook shared secret as the key"), and the official SDKs'
// Webhook.verifyEventBody/buildEvent with their published test vector
// (coinbase-commerce-node test/testWebhook.spec.js, coinbase-commerce-php
// tests/WebhookTest.php), which a test here checks. No timestamp is
// signed: there is no replay window.
//
// A delivery wraps the event: {"id": <delivery>, "scheduled_for",
// "attempt_number", "event": {...}}. A retry increments attempt_number, so
// the body changes; event.id (a UUID) is the same and is the key.
package coinbase

import (
	"crypto/sha256"
	"embed"
	"encoding/json"
	"fmt"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const name = "coinbase"

// Scheme is Coinbase Commerce's signature: hex HMAC-SHA256 of the body in
// X-CC-Webhook-Signature.
var Scheme = sig.Body{Platform: name, Header: "X-CC-Webhook-Signature", Hash: sha256.New}

//go:embed testdata
var testdata embed.FS

// Platform is Coinbase Commerce, as the registry lists it.
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

// key is event.id, read as the exact bytes sent.
func key(_ map[string]string, body []byte) (eventid.Key, error) {
	var d struct {
		Event *struct {
			ID eventid.RawString `json:"id"`
		} `json:"event"`
	}
	if err := json.Unmarshal(body, &d); err != nil {
		return eventid.Key{}, fmt.Errorf("coinbase event id: %w: %v", apperr.ErrInvalid, err)
	}
	if d.Event == nil || d.Event.ID == "" {
		return eventid.Key{}, fmt.Errorf("coinbase: no event.id: %w", apperr.ErrInvalid)
	}
	return eventid.Key{EventID: eventid.Encode(string(d.Event.ID))}, nil
}
