// Package eventkey derives the dedup key of a webhook: the platform's own
// event id and the source that scopes it. The edge and the normalizer both
// use it, so the key the ledger enforces uniqueness on never depends on
// whether normalization succeeded — a platform's retry of a payload that
// once failed to normalize still deduplicates.
//
// Ids are bytes, and keys carry them exactly: Encode (encoding.go) turns
// any bytes into the valid UTF-8 without NUL that protobuf and PostgreSQL
// require, without ever giving two ids one key.
package eventkey

import (
	"fmt"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
	"github.com/hookmesh/hookmesh/services/internal/platforms"
)

// Key is unique per platform: (Source, EventID). Both are in the encoded
// form (Encode) of the bytes the platform sent. It is eventid.Key, the
// type platform packages derive.
type Key = eventid.Key

// Derive returns the key of a webhook of platform. headers have lower-case
// names and values already encoded, each one by Encode, as the edge's
// HeaderMap gives them (values travel in proto string maps, which must be
// valid UTF-8): a header's id is taken as it is. An id read from the body
// is encoded here, from its exact bytes (a JSON string's invalid UTF-8 is
// kept, not replaced), so both kinds of id get the same key for the same
// bytes. It fails with apperr.ErrInvalid when the id is missing; callers
// then fall back to ContentKey so the payload is still stored.
func Derive(platform string, headers map[string]string, body []byte) (Key, error) {
	p, ok := platforms.Lookup(platform)
	if !ok {
		return Key{}, fmt.Errorf("platform %q: %w", platform, apperr.ErrNotFound)
	}
	return DeriveFor(p, headers, body)
}

// DeriveFor is Derive for a platform the caller has already looked up in
// the registry (platforms.Lookup), so that a webhook's platform is looked
// up once.
func DeriveFor(p platform.Platform, headers map[string]string, body []byte) (Key, error) {
	k, err := p.Key(headers, body)
	if err != nil {
		return Key{}, err
	}
	if k.EventID == "" {
		return Key{}, fmt.Errorf("%s: no event id in the request: %w", p.Name, apperr.ErrInvalid)
	}
	if len(k.EventID) > MaxLen || len(k.Source) > MaxLen {
		return Key{}, fmt.Errorf("%s: encoded event id or source longer than %d bytes: %w", p.Name, MaxLen, apperr.ErrInvalid)
	}
	return k, nil
}

// MaxLen bounds ids taken from untrusted input, in bytes of their encoded
// form: what is stored, indexed and shown. An id whose bytes all pass as
// they are may have MaxLen of them; each escaped byte takes five (U+FFFD
// and two hex digits), so an id of only such bytes may have 51. Bounding
// the stored form keeps the ledger's unique index entries bounded whatever
// the bytes.
const MaxLen = 256

// ContentKey is the fallback key of a payload with no usable id
// (eventid.ContentKey).
func ContentKey(body []byte) Key { return eventid.ContentKey(body) }
