// Package vercel is the Vercel platform: account and integration
// webhooks, signed in x-vercel-signature with the hex HMAC-SHA1 of the
// body under the webhook's secret (an integration's client secret for
// integration webhooks); the body's id as the dedup key; the
// normalization of deployment, project, domain and integration events;
// and sample webhooks.
//
// Sources: https://vercel.com/docs/webhooks (securing webhooks) and
// https://vercel.com/docs/webhooks/webhooks-api (payload and event types).
package vercel

import (
	"embed"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
)

//go:embed testdata
var testdata embed.FS

// Platform is Vercel, as the registry lists it.
var Platform = platform.Platform{
	Name:        name,
	NewVerifier: platform.Keyed(NewVerifier),
	Sign:        Scheme.Sign,
	Key:         key,
	Normalize:   normalize,
	Mapping:     mapping,
	Samples:     samples,
	TestData:    testdata,
}

// key is the id at the top of the body, the id Vercel gives the webhook
// delivery and keeps when it retries it.
func key(_ map[string]string, body []byte) (eventid.Key, error) {
	return eventid.TopKey(name, "id", body)
}
