// Package pagerduty is the PagerDuty platform: v3 webhook subscriptions,
// signed in X-PagerDuty-Signature with "v1=<hex HMAC-SHA256 of the body>"
// under the subscription's secret (several comma-separated during a
// rotation); X-Webhook-Id as the dedup key; the normalization of the
// event envelope (incident, service and ping events) and its mapping; and
// sample webhooks.
//
// Sources: https://developer.pagerduty.com/docs/webhooks/webhook-signatures
// (PagerDuty/developer-docs docs/webhooks/04-Signatures.md), the v3
// overview and behavior pages (01-Overview.md, 02-Behavior.md), and the
// go-pagerduty webhookv3 package, whose test vector TestSignatureVector
// checks.
package pagerduty

import (
	"embed"
	"fmt"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

//go:embed testdata
var testdata embed.FS

// Platform is PagerDuty, as the registry lists it.
var Platform = platform.Platform{
	Name:        name,
	NewVerifier: platform.Keyed(NewVerifier),
	Sign:        sign,
	Key:         key,
	Normalize:   normalize,
	Mapping:     mapping,
	Samples:     samples,
	TestData:    testdata,
}

// key is X-Webhook-Id, "unique to the webhook but repeated for each
// delivery attempt" (PagerDuty's behavior docs), scoped by
// X-Webhook-Subscription where sent. Without the header the event's own
// id (event.id) stands in: the same for every attempt too.
func key(headers map[string]string, body []byte) (eventid.Key, error) {
	k := eventid.Key{EventID: headers["x-webhook-id"], Source: headers["x-webhook-subscription"]}
	if k.EventID != "" {
		return k, nil
	}
	var b struct {
		Event *struct {
			ID eventid.RawString `json:"id"`
		} `json:"event"`
	}
	if err := norm.CheckObject(name, body); err != nil {
		return eventid.Key{}, fmt.Errorf("pagerduty event id: %w", err)
	}
	if err := norm.Unmarshal(body, &b); err != nil {
		return eventid.Key{}, fmt.Errorf("pagerduty event id: %w: %v", apperr.ErrInvalid, err)
	}
	if b.Event == nil || b.Event.ID == "" {
		return eventid.Key{}, fmt.Errorf("pagerduty: no X-Webhook-Id and no event.id: %w", apperr.ErrInvalid)
	}
	k.EventID = eventid.Encode(string(b.Event.ID))
	return k, nil
}
