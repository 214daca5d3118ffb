// Package gitlab is the GitLab platform: the X-Gitlab-Token shared token
// (no signature, no timestamp), Idempotency-Key or X-Gitlab-Event-UUID
// scoped by the hook as the dedup key, the normalization of webhooks and
// their mapping, and sample webhooks.
package gitlab

import (
	"embed"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
)

//go:embed testdata
var testdata embed.FS

// Platform is GitLab, as the registry lists it.
var Platform = platform.Platform{
	Name:         gitlabPlatform,
	NewVerifier:  platform.Keyed(NewVerifier),
	Sign:         sign,
	BodyUnsigned: true,
	Key:          key,
	Normalize:    normalize,
	Mapping:      mapping,
	Samples:      samples,
	TestData:     testdata,
}

// key is the delivery's idempotency key, or the event's UUID, scoped by
// the hook.
func key(headers map[string]string, _ []byte) (eventid.Key, error) {
	var k eventid.Key
	// Idempotency-Key (GitLab 17.4+) is the same on every retry of one
	// delivery; X-Gitlab-Event-UUID is shared by the hooks of one
	// event, hence the scope by the hook.
	k.EventID = eventid.First(headers["idempotency-key"], headers["x-gitlab-event-uuid"])
	k.Source = headers["x-gitlab-webhook-uuid"]
	return k, nil
}
