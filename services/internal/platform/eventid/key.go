// Package eventid holds what a platform's dedup key is made of: the Key
// type, the encoding that turns any id bytes into a storable string
// (Encode), and the top-level JSON field reader (TopString) the platforms
// that carry their id in the body use. Package eventkey derives keys with
// it, and every platform package under platforms/ does.
package eventid

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
)

// Key is unique per platform: (Source, EventID). Both are in the encoded
// form (Encode) of the bytes the platform sent.
type Key struct {
	// Source scopes EventID where a platform's ids are not global: the
	// Shopify shop domain, the GitHub hook id. Empty otherwise.
	Source string
	// EventID is the platform's id for the event, stable across retries.
	EventID string
}

// ContentKey is the fallback key of a payload with no usable id: the
// SHA-256 of its bytes, so identical retries of a malformed payload are
// still stored once.
func ContentKey(body []byte) Key {
	sum := sha256.Sum256(body)
	return Key{EventID: "sha256:" + hex.EncodeToString(sum[:])}
}

// TopKey is the key of the platforms whose event id is a top-level string
// field of the body (Vercel's id, WorkOS's id, Segment's messageId): that
// field, encoded, with no scope. A missing or non-string field wraps
// apperr.ErrInvalid.
func TopKey(platform, field string, body []byte) (Key, error) {
	id, err := TopString(body, field)
	if err != nil {
		return Key{}, fmt.Errorf("%s %s: %w: %v", platform, field, apperr.ErrInvalid, err)
	}
	return Key{EventID: Encode(id)}, nil
}

// First returns the first non-empty value of vs, or "".
func First(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
