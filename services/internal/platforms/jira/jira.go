// Package jira is the Jira Cloud platform: admin webhooks registered with
// a secret, signed in X-Hub-Signature with "sha256=<hex HMAC-SHA256 of the
// body>" under that secret; X-Atlassian-Webhook-Identifier as the dedup
// key; the normalization of Jira events (issues, comments, users,
// projects, sprints, versions) and its mapping; and sample webhooks.
//
// Sources: https://developer.atlassian.com/cloud/jira/platform/webhooks/
// (secure admin webhooks; retry policy and the X-Atlassian-Webhook-*
// headers).
package jira

import (
	"embed"
	"fmt"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
)

//go:embed testdata
var testdata embed.FS

// Platform is Jira Cloud, as the registry lists it.
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

// key is X-Atlassian-Webhook-Identifier: unique within the Jira site and
// the same on every retry (X-Atlassian-Webhook-Retry counts those). The
// body carries no id, so a request without the header has no key
// (apperr.ErrInvalid) and the edge keys it by its bytes.
func key(headers map[string]string, _ []byte) (eventid.Key, error) {
	id := headers["x-atlassian-webhook-identifier"]
	if id == "" {
		return eventid.Key{}, fmt.Errorf("jira: no X-Atlassian-Webhook-Identifier header: %w", apperr.ErrInvalid)
	}
	return eventid.Key{EventID: id}, nil
}
