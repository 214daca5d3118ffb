// Package workos is the WorkOS platform: webhooks signed in
// WorkOS-Signature, "t=<unix ms>, v1=<hex>", the HMAC-SHA256 of
// "<t>.<body>" under the endpoint's secret, with the WorkOS SDKs'
// 3-minute window; the body's id as the dedup key; the normalization of
// WorkOS events (User Management, Directory Sync, SSO, organizations) and
// its mapping; and sample webhooks.
//
// Sources: https://workos.com/docs/events/data-syncing/webhooks and the
// SDKs' webhook verification (workos-go pkg/webhooks, workos-node
// src/webhooks, workos-ruby WorkOS::Webhooks: DEFAULT_TOLERANCE 180).
package workos

import (
	"embed"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
)

//go:embed testdata
var testdata embed.FS

// Platform is WorkOS, as the registry lists it.
var Platform = platform.Platform{
	Name:             name,
	NewVerifier:      platform.Windowed(NewVerifier),
	Sign:             sign,
	DefaultTolerance: DefaultTolerance,
	Key:              key,
	Normalize:        normalize,
	Mapping:          mapping,
	Samples:          samples,
	TestData:         testdata,
}

// key is the event id at the top of the body ("event_01..."), which
// WorkOS keeps when it retries a delivery (its docs: ignore duplicate
// events by their id).
func key(_ map[string]string, body []byte) (eventid.Key, error) {
	return eventid.TopKey(name, "id", body)
}
