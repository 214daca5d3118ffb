// Package sanity is the Sanity platform (GROQ-powered webhooks of the
// Content Lake): the sanity-webhook-signature header ("t=<unix ms>,
// v1=<base64url>", the HMAC-SHA256 of "<t>.<body>"), the idempotency-key
// header as the dedup key, the normalization of document webhooks (none
// has a common meaning) and sample webhooks.
//
// Sources: https://www.sanity.io/docs/webhooks and Sanity's toolkit
// @sanity/webhook (sanity-io/webhook-toolkit, src/signature.ts), whose
// test vectors TestToolkitVectors checks.
package sanity

import (
	"embed"
	"fmt"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
)

//go:embed testdata
var testdata embed.FS

// Platform is Sanity, as the registry lists it.
var Platform = platform.Platform{
	Name:             name,
	NewVerifier:      platform.Windowed(NewVerifier),
	Sign:             scheme.Sign,
	DefaultTolerance: DefaultTolerance,
	Key:              key,
	Normalize:        normalize,
	Mapping:          mapping,
	Samples:          samples,
	TestData:         testdata,
}

// mapping is empty: a Sanity webhook says that a document was created,
// updated or deleted (sanity-operation), and its body is whatever the
// webhook's GROQ projection makes of the document, so no type has a
// common meaning. They pass through as EVENT_TYPE_UNMAPPED.
var mapping = map[string]eventv1.EventType{}

// Headers Sanity sends with every webhook.
const (
	headerIdempotency = "idempotency-key"
	headerProject     = "sanity-project-id"
	headerDataset     = "sanity-dataset"
	headerDocument    = "sanity-document-id"
	headerOperation   = "sanity-operation"
	headerTransaction = "sanity-transaction-id"
	headerTxTime      = "sanity-transaction-time"
	headerWebhook     = "sanity-webhook-id"
)

// key is the idempotency-key header, the id Sanity gives a delivery so
// its retries can be told apart from new events, scoped by the project
// (sanity-project-id).
func key(headers map[string]string, _ []byte) (eventid.Key, error) {
	id := headers[headerIdempotency]
	if id == "" {
		return eventid.Key{}, fmt.Errorf("sanity: no idempotency-key header: %w", apperr.ErrInvalid)
	}
	return eventid.Key{EventID: id, Source: headers[headerProject]}, nil
}
