// Package zendesk is the Zendesk platform: the X-Zendesk-Webhook-Signature
// scheme (base64 HMAC-SHA256 of the timestamp text followed by the body, a
// window of our choosing), the invocation id scoped by the webhook as the
// dedup key, the normalization of event-subscription webhooks and their
// mapping, and sample webhooks.
package zendesk

import (
	"embed"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
)

//go:embed testdata
var testdata embed.FS

// Platform is Zendesk, as the registry lists it.
var Platform = platform.Platform{
	Name:             zendeskPlatform,
	NewVerifier:      platform.Windowed(NewVerifier),
	Sign:             sign,
	DefaultTolerance: DefaultTolerance,
	Key:              key,
	Normalize:        normalize,
	Mapping:          mapping,
	Samples:          samples,
	TestData:         testdata,
}

// key is the invocation id (or the event id), scoped by the webhook.
func key(headers map[string]string, body []byte) (eventid.Key, error) {
	var k eventid.Key
	// One invocation keeps its id across attempts (the webhooks API
	// lists the attempts of an invocation).
	k.EventID = headers["x-zendesk-webhook-invocation-id"]
	if k.EventID == "" {
		k.EventID = eventid.Encode(eventid.BodyString(body, idField))
	}
	k.Source = headers["x-zendesk-webhook-id"]
	return k, nil
}

// idField is the body field of the key when no invocation id is sent,
// compiled once.
var idField = eventid.Field("id")
