// Package sentry is the Sentry platform: integration-platform webhooks
// (internal and public integrations), signed in Sentry-Hook-Signature with
// the hex HMAC-SHA256 of the body under the integration's client secret;
// the body's bytes as the dedup key (Sentry gives no id that survives a
// retry); the normalization of issue, alert, error, comment and
// installation webhooks; and sample webhooks.
//
// Sources: https://docs.sentry.io/organization/integrations/integration-platform/webhooks/
// and Sentry's AppPlatformEvent (src/sentry/sentry_apps/api/serializers/app_platform_event.py),
// which builds the headers.
package sentry

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

//go:embed testdata
var testdata embed.FS

// Platform is Sentry, as the registry lists it.
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

// key is "sha256:" and the SHA-256 of the body. Sentry's Request-ID is
// drawn afresh (uuid4) each time its task builds a webhook, and a retry
// rebuilds it, so the id would never match a retry; the body is
// re-serialized from the same data, so an identical retry keeps its bytes
// and is stored once. The form is the edge's content key, so a body whose
// key this is matches the fallback exactly. A body that is not JSON has
// no key (apperr.ErrInvalid), and the edge falls back to the same value.
func key(_ map[string]string, body []byte) (eventid.Key, error) {
	if err := norm.CheckObject(name, body); err != nil {
		return eventid.Key{}, fmt.Errorf("sentry content key: %w", apperr.ErrInvalid)
	}
	sum := sha256.Sum256(body)
	return eventid.Key{EventID: "sha256:" + hex.EncodeToString(sum[:])}, nil
}
