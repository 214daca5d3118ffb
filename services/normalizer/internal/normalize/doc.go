// Package normalize turns one authenticated webhook — platform, headers,
// raw body, receipt time — into a hookmesh.event.v1.NormalizedEvent.
//
// It is a pure function: no clock, no storage, no calls out, so the same
// stored raw request always normalizes to the same event and a fixed
// adapter can re-normalize what once failed.
//
// Each preset platform has its adapter and its event-type mapping in its
// package under services/internal/platforms (the Standard Webhooks senders
// share platform/stdwebhooks). configured.go reads the platforms defined in
// configuration (sources.Normalize: dotted JSON paths) through a Normalizer
// built with New.
//
// Batches (HubSpot, SendGrid, Adyen send several events per request) are
// one event today, made from the first item, with item_count and the other
// items' ids in metadata. The adapters decode
// into typed structs rather than map[string]any, for two reasons: 64-bit
// ids must survive exactly (float64 holds only 53 bits, so Shopify's
// 866550311766439020 would become ...040), and a field of the wrong JSON
// type is a malformed payload that must be rejected with a reason, not
// silently read as zero.
//
// Errors wrap apperr.ErrInvalid (the payload cannot be normalized) or
// apperr.ErrNotFound (no adapter for the platform); the gRPC layer maps
// them to status codes. No input makes it panic: each adapter has a fuzz
// test.
package normalize
