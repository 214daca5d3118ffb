// Package eventid holds what a platform's dedup key is made of: the Key
// type, the encoding that turns any id bytes into a storable string
// (Encode), and the top-level JSON field reader (TopString) the platforms
// that carry their id in the body use. Package eventkey derives keys with
// it, and every platform package under platforms/ does.
package eventid

import (
	"crypto/sha256"
	"encoding/hex"
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

func First(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
