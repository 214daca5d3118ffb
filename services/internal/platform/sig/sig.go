// Package sig holds the pieces platform verifiers share: secret lists,
// HMACs compared in constant time, strict timestamp and encoding parsers,
// the timestamp window, and the fixed failure reasons (metric labels).
package sig

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"strconv"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
)

// MaxEntries bounds how many entries of a signature header are looked at.
// Real senders put two to four there; a header listing thousands must not
// make us parse or compare thousands.
const MaxEntries = 16

// MaxTimestampDigits keeps timestamps far from int64 and time.Duration
// overflow while allowing any date a sender could plausibly use.
const MaxTimestampDigits = 18

// Reasons shared by several platforms. Keeping them as constants keeps the
// set of metric label values small and fixed.
const (
	ReasonNoSecrets    = "no secrets configured"
	ReasonMalformed    = "malformed signature header"
	ReasonBadTimestamp = "malformed timestamp"
	ReasonTooMany      = "too many signature entries"
	ReasonTooOld       = "timestamp too old"
	ReasonFuture       = "timestamp too far in the future"
	ReasonNoURL        = "request URL unknown"
)

// Fail returns the *platform.Error of platform name with a fixed reason.
func Fail(name, reason string) error { return &platform.Error{Platform: name, Reason: reason} }

// KeyList copies the secrets as HMAC keys, dropping empty ones: a trailing
// comma in a secrets variable must not turn into an empty key, under which
// anyone can sign.
func KeyList(secrets []string) [][]byte {
	keys := make([][]byte, 0, len(secrets))
	for _, s := range secrets {
		if s != "" {
			keys = append(keys, []byte(s))
		}
	}
	return keys
}

// MAC is HMAC-SHA256 of the concatenation of parts, written piecewise so
// the body is never copied.
func MAC(key []byte, parts ...[]byte) []byte {
	h := hmac.New(sha256.New, key)
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// MACWith is the HMAC of the concatenation of parts under hash h.
func MACWith(h func() hash.Hash, key []byte, parts ...[]byte) []byte {
	m := hmac.New(h, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

// MatchAnyWith is MatchAny under hash h.
func MatchAnyWith(h func() hash.Hash, keys [][]byte, candidates [][]byte, parts ...[]byte) bool {
	for _, k := range keys {
		want := MACWith(h, k, parts...)
		for _, c := range candidates {
			if hmac.Equal(want, c) {
				return true
			}
		}
	}
	return false
}

// EqualToken compares a received shared token with a configured one in
// constant time, also with respect to their lengths: both are hashed first,
// so the comparison always runs over 32 bytes.
func EqualToken(got string, want []byte) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256(want)
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

// MatchAny reports whether any key's MAC over parts equals any candidate.
// The MAC is computed once per key, so the cost is keys x body, whatever
// the number of candidates (which the parsers already bound).
func MatchAny(keys [][]byte, candidates [][]byte, parts ...[]byte) bool {
	for _, k := range keys {
		want := MAC(k, parts...)
		for _, c := range candidates {
			if hmac.Equal(want, c) {
				return true
			}
		}
	}
	return false
}

// ParseUnix parses decimal unix seconds made of ASCII digits only.
// strconv.ParseInt alone would also take "+123" and "-5".
func ParseUnix(s string) (int64, bool) {
	if s == "" || len(s) > MaxTimestampDigits {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// ParseDigits parses a non-negative decimal integer made of ASCII digits
// only, at most MaxTimestampDigits long (unix milliseconds fit).
func ParseDigits(s string) (int64, bool) { return ParseUnix(s) }

// CheckWindowTime is CheckWindow for a parsed instant.
func CheckWindowTime(platform string, at, now time.Time, tol time.Duration) error {
	d := now.Sub(at)
	switch {
	case d > tol:
		return Fail(platform, ReasonTooOld)
	case d < -tol:
		return Fail(platform, ReasonFuture)
	}
	return nil
}

// CheckWindow rejects a timestamp more than tol before or after now. The
// edges of the window are inside it, as in stripe-go and slack-go.
func CheckWindow(platform string, ts int64, now time.Time, tol time.Duration) error {
	return CheckWindowTime(platform, time.Unix(ts, 0), now, tol) // Sub saturates instead of overflowing
}

// OrDefault maps a non-positive tolerance to the platform default, so the
// zero value of a config field means "what the platform's SDK does".
func OrDefault(tol, def time.Duration) time.Duration {
	if tol <= 0 {
		return def
	}
	return tol
}

// DecodeHexN strips prefix and decodes exactly size bytes of hex. The
// length is checked before decoding so a huge value costs nothing.
func DecodeHexN(s, prefix string, size int) ([]byte, bool) {
	v, ok := strings.CutPrefix(s, prefix)
	if !ok || len(v) != 2*size {
		return nil, false
	}
	b, err := hex.DecodeString(v)
	return b, err == nil
}

// DecodeBase64N decodes exactly size bytes of padded standard base64.
// Signatures are decoded strictly (Strict: the unused low bits of the last
// character must be zero), so exactly one spelling of a signature is
// accepted; the lenient decoder let the last character vary, which fuzzing
// found (a sender never produces those spellings).
func DecodeBase64N(s string, size int) ([]byte, bool) {
	if len(s) != base64.StdEncoding.EncodedLen(size) {
		return nil, false
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	return b, err == nil && len(b) == size
}

// DecodeBase64Raw decodes exactly size bytes of unpadded standard base64.
func DecodeBase64Raw(s string, size int) ([]byte, bool) {
	if len(s) != base64.RawStdEncoding.EncodedLen(size) {
		return nil, false
	}
	b, err := base64.RawStdEncoding.Strict().DecodeString(s)
	return b, err == nil && len(b) == size
}

// MaxRFC3339Len bounds a signed RFC 3339 timestamp header.
const MaxRFC3339Len = 64

// ParseRFC3339 parses a bounded RFC 3339 timestamp (fractional seconds
// allowed, as Twitch sends).
func ParseRFC3339(s string) (time.Time, bool) {
	if len(s) > MaxRFC3339Len {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}
