// Package notion is the Notion platform (integration webhooks): the
// X-Notion-Signature header ("sha256=" and the hex HMAC-SHA256 of the
// body, keyed with the subscription's verification_token), the one
// unsigned request Notion sends (the verification request carrying that
// token), the event id at the top of the body as the dedup key, the
// normalization of Notion events and sample events.
//
// Source: https://developers.notion.com/reference/webhooks
package notion

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
)

//go:embed testdata
var testdata embed.FS

const name = "notion"

// Platform is Notion, as the registry lists it.
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

// verification is the source type of Notion's verification request.
const verification = "verification"

// mapping maps only the verification request, a PING: Notion's events
// (page.created, page.content_updated, comment.created,
// data_source.schema_updated ...) are workspace changes with no common
// meaning and pass through as EVENT_TYPE_UNMAPPED with the entity kept.
var mapping = map[string]eventv1.EventType{
	verification: eventv1.EventType_EVENT_TYPE_PING,
}

// verificationToken returns the token of Notion's verification request:
// a body that is exactly one JSON object {"verification_token": "<token>"}
// with a non-empty token of at most 256 bytes (Notion's are "secret_"
// and 43 characters). Anything else is not one.
func verificationToken(body []byte) (string, bool) {
	var m map[string]json.RawMessage
	if len(body) > 512 || json.Unmarshal(body, &m) != nil || len(m) != 1 {
		return "", false
	}
	var token string
	if raw, ok := m["verification_token"]; !ok || json.Unmarshal(raw, &token) != nil || token == "" || len(token) > 256 {
		return "", false
	}
	return token, true
}

// key is the event id at the top of the body; Notion retries an event
// with the same id (attempt_number grows). The verification request has
// none: it is keyed by its token's SHA-256, so a resent token is one
// event.
func key(_ map[string]string, body []byte) (eventid.Key, error) {
	if token, ok := verificationToken(body); ok {
		sum := sha256.Sum256([]byte(token))
		return eventid.Key{EventID: "verification:" + hex.EncodeToString(sum[:])}, nil
	}
	id, err := eventid.TopString(body, "id")
	if err != nil {
		return eventid.Key{}, fmt.Errorf("notion event id: %w: %v", apperr.ErrInvalid, err)
	}
	return eventid.Key{EventID: eventid.Encode(id)}, nil
}
