// Package bitbucket is the Bitbucket Cloud platform: the X-Hub-Signature
// scheme ("sha256=<hex>" HMAC-SHA256 of the body, no timestamp),
// X-Request-UUID scoped by the hook as the dedup key, the normalization of
// webhooks and their mapping, and sample webhooks.
package bitbucket

import (
	"embed"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
)

//go:embed testdata
var testdata embed.FS

// Platform is Bitbucket Cloud, as the registry lists it.
var Platform = platform.Platform{
	Name:        bitbucketPlatform,
	NewVerifier: platform.Keyed(NewVerifier),
	Sign:        sign,
	Key:         key,
	Normalize:   normalize,
	Mapping:     mapping,
	Samples:     samples,
	TestData:    testdata,
}

// key is the request's UUID, scoped by the hook.
func key(headers map[string]string, _ []byte) (eventid.Key, error) {
	var k eventid.Key
	k.EventID = headers["x-request-uuid"]
	k.Source = headers["x-hook-uuid"]
	return k, nil
}
