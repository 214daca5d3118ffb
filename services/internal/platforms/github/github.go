// Package github is the GitHub platform: the X-Hub-Signature-256 scheme
// (HMAC-SHA256 of the body, no timestamp), X-GitHub-Delivery scoped by
// X-GitHub-Hook-ID as the dedup key, the normalization of webhook events
// and their mapping, and sample deliveries.
//
// GitHub: header X-Hub-Signature-256 "sha256=<hex>", HMAC-SHA256 of the raw
// body. The legacy SHA-1 X-Hub-Signature is not accepted. GitHub signs no
// timestamp, so there is no replay window: replay defence is the
// X-GitHub-Delivery dedup downstream.
package github

import (
	"embed"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
)

//go:embed testdata
var testdata embed.FS

// Platform is GitHub, as the registry lists it.
var Platform = platform.Platform{
	Name:        githubPlatform,
	NewVerifier: platform.Keyed(NewVerifier),
	Sign:        sign,
	Key:         key,
	Normalize:   normalize,
	Mapping:     mapping,
	Samples:     samples,
	TestData:    testdata,
}

// key is X-GitHub-Delivery (one per delivery; a redelivery keeps it),
// scoped by the hook that sent it.
func key(headers map[string]string, _ []byte) (eventid.Key, error) {
	return eventid.Key{EventID: headers["x-github-delivery"], Source: headers["x-github-hook-id"]}, nil
}
