// Package shopify is the Shopify platform: the X-Shopify-Hmac-Sha256
// scheme (base64 HMAC-SHA256 of the body, no timestamp), X-Shopify-Event-Id
// scoped by the shop domain as the dedup key, the normalization of
// webhooks and their mapping, and sample webhooks.
//
// Shopify: header X-Shopify-Hmac-Sha256, standard base64 of the HMAC-SHA256
// of the raw body. No signed timestamp (X-Shopify-Triggered-At is not
// signed), so no replay window either.
package shopify

import (
	"embed"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
)

//go:embed testdata
var testdata embed.FS

// Platform is Shopify, as the registry lists it.
var Platform = platform.Platform{
	Name:        shopifyPlatform,
	NewVerifier: platform.Keyed(NewVerifier),
	Sign:        sign,
	Key:         key,
	Normalize:   normalize,
	Mapping:     mapping,
	Samples:     samples,
	TestData:    testdata,
}

// key is the event id, scoped by the shop.
func key(headers map[string]string, _ []byte) (eventid.Key, error) {
	var k eventid.Key
	// Shopify's guidance: X-Shopify-Event-Id is the event; the webhook id
	// is only a fallback for older API versions that lack it.
	k.EventID = headers["x-shopify-event-id"]
	if k.EventID == "" {
		k.EventID = headers["x-shopify-webhook-id"]
	}
	k.Source = headers["x-shopify-shop-domain"]
	return k, nil
}
