package verify

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
)

// Default tolerances: the replay windows of each platform's official SDK.
const (
	// DefaultStripeTolerance is stripe-go's DefaultTolerance. We apply it in
	// both directions (see the package doc).
	DefaultStripeTolerance = 300 * time.Second
	// DefaultSlackTolerance is the 5-minute window, either direction, that
	// Slack documents.
	DefaultSlackTolerance = 5 * time.Minute
	// DefaultStandardTolerance is the 5-minute window, both directions, of
	// the Standard Webhooks libraries.
	DefaultStandardTolerance = 5 * time.Minute
)

// maxEntries bounds how many entries of a signature header are looked at.
// Real senders put two to four there; a header listing thousands must not
// make us parse or compare thousands.
const maxEntries = 16

// maxTimestampDigits keeps timestamps far from int64 and time.Duration
// overflow while allowing any date a sender could plausibly use.
const maxTimestampDigits = 18

// Request is the input of a verification: the headers and the exact raw
// bytes received, never a re-serialization of a parsed body.
type Request struct {
	// Header holds the received headers. Names are matched
	// case-insensitively, so a hand-built map with lower-case keys works.
	Header http.Header
	// Body is the raw body, read once under a size cap.
	Body []byte
	// Now is the time to judge timestamps against, normally the receipt
	// time. The zero value means time.Now().
	Now time.Time
	// Method is the HTTP method as received ("POST"). Only platforms that
	// sign it (HubSpot v3, configured sources using {method}) read it; empty
	// means POST, the method of every webhook.
	Method string
	// URL is the full external URL as the sender signed it: scheme, host,
	// path and query exactly as requested, e.g.
	// "https://hooks.example.com/webhooks/square?x=1". Behind a proxy the
	// edge builds it from HOOKMESH_PUBLIC_URL. Platforms that sign the URL
	// (HubSpot v3, Square, Twilio, configured sources using {url}) fail
	// without it; the others ignore it.
	URL string
}

// header returns the first value of the named header. It falls back to a
// case-insensitive scan because headers that did not come through net/http
// (the gRPC Ingest path, tests, tools) may not use canonical keys.
func (r Request) header(name string) string {
	if v := r.Header.Get(name); v != "" {
		return v
	}
	for k, vs := range r.Header {
		if len(vs) > 0 && vs[0] != "" && strings.EqualFold(k, name) {
			return vs[0]
		}
	}
	return ""
}

// has reports whether the named header is present with a non-empty value.
func (r Request) has(name string) bool { return r.header(name) != "" }

func (r Request) method() string {
	if r.Method == "" {
		return "POST"
	}
	return r.Method
}

func (r Request) now() time.Time {
	if r.Now.IsZero() {
		return time.Now()
	}
	return r.Now
}

// Verifier checks the signature of one platform's webhooks against a set of
// active secrets.
type Verifier interface {
	// Verify returns nil when r carries a valid signature by one of the
	// secrets, and otherwise an *Error wrapping apperr.ErrUnauthenticated.
	Verify(r Request) error
}

// Error is the failure Verify returns. It wraps apperr.ErrUnauthenticated so
// the edge's one error renderer answers 401 without knowing this package.
type Error struct {
	// Platform is the verifier's platform name, e.g. "stripe".
	Platform string
	// Reason is a short fixed phrase such as "no v1 match" or "timestamp
	// too old". It never contains request data, so it is safe in logs and
	// as a metric label; it is never shown to the caller.
	Reason string
}

// Error returns "<platform>: <reason>".
func (e *Error) Error() string { return e.Platform + ": " + e.Reason }

// Unwrap makes errors.Is(err, apperr.ErrUnauthenticated) hold.
func (e *Error) Unwrap() error { return apperr.ErrUnauthenticated }

// Reasons shared by several platforms. Keeping them as constants keeps the
// set of metric label values small and fixed.
const (
	reasonNoSecrets    = "no secrets configured"
	reasonMalformed    = "malformed signature header"
	reasonBadTimestamp = "malformed timestamp"
	reasonTooMany      = "too many signature entries"
	reasonTooOld       = "timestamp too old"
	reasonFuture       = "timestamp too far in the future"
	reasonNoURL        = "request URL unknown"
)

func fail(platform, reason string) error { return &Error{Platform: platform, Reason: reason} }

// keyList copies the secrets as HMAC keys, dropping empty ones: a trailing
// comma in a secrets variable must not turn into an empty key, under which
// anyone can sign.
func keyList(secrets []string) [][]byte {
	keys := make([][]byte, 0, len(secrets))
	for _, s := range secrets {
		if s != "" {
			keys = append(keys, []byte(s))
		}
	}
	return keys
}

// mac is HMAC-SHA256 of the concatenation of parts, written piecewise so
// the body is never copied.
func mac(key []byte, parts ...[]byte) []byte {
	h := hmac.New(sha256.New, key)
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// macWith is the HMAC of the concatenation of parts under hash h.
func macWith(h func() hash.Hash, key []byte, parts ...[]byte) []byte {
	m := hmac.New(h, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

// matchAnyWith is matchAny under hash h.
func matchAnyWith(h func() hash.Hash, keys [][]byte, candidates [][]byte, parts ...[]byte) bool {
	for _, k := range keys {
		want := macWith(h, k, parts...)
		for _, c := range candidates {
			if hmac.Equal(want, c) {
				return true
			}
		}
	}
	return false
}

// equalToken compares a received shared token with a configured one in
// constant time, also with respect to their lengths: both are hashed first,
// so the comparison always runs over 32 bytes.
func equalToken(got string, want []byte) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256(want)
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

// matchAny reports whether any key's MAC over parts equals any candidate.
// The MAC is computed once per key, so the cost is keys x body, whatever
// the number of candidates (which the parsers already bound).
func matchAny(keys [][]byte, candidates [][]byte, parts ...[]byte) bool {
	for _, k := range keys {
		want := mac(k, parts...)
		for _, c := range candidates {
			if hmac.Equal(want, c) {
				return true
			}
		}
	}
	return false
}

// parseUnix parses decimal unix seconds made of ASCII digits only.
// strconv.ParseInt alone would also take "+123" and "-5".
func parseUnix(s string) (int64, bool) {
	if s == "" || len(s) > maxTimestampDigits {
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

// parseDigits parses a non-negative decimal integer made of ASCII digits
// only, at most maxTimestampDigits long (unix milliseconds fit).
func parseDigits(s string) (int64, bool) { return parseUnix(s) }

// checkWindowTime is checkWindow for a parsed instant.
func checkWindowTime(platform string, at, now time.Time, tol time.Duration) error {
	d := now.Sub(at)
	switch {
	case d > tol:
		return fail(platform, reasonTooOld)
	case d < -tol:
		return fail(platform, reasonFuture)
	}
	return nil
}

// checkWindow rejects a timestamp more than tol before or after now. The
// edges of the window are inside it, as in stripe-go and slack-go.
func checkWindow(platform string, ts int64, now time.Time, tol time.Duration) error {
	d := now.Sub(time.Unix(ts, 0)) // saturates instead of overflowing
	switch {
	case d > tol:
		return fail(platform, reasonTooOld)
	case d < -tol:
		return fail(platform, reasonFuture)
	}
	return nil
}

// orDefault maps a non-positive tolerance to the platform default, so the
// zero value of a config field means "what the platform's SDK does".
func orDefault(tol, def time.Duration) time.Duration {
	if tol <= 0 {
		return def
	}
	return tol
}

// decodeHexN strips prefix and decodes exactly size bytes of hex. The
// length is checked before decoding so a huge value costs nothing.
func decodeHexN(s, prefix string, size int) ([]byte, bool) {
	v, ok := strings.CutPrefix(s, prefix)
	if !ok || len(v) != 2*size {
		return nil, false
	}
	b, err := hex.DecodeString(v)
	return b, err == nil
}

// decodeBase64N decodes exactly size bytes of padded standard base64.
// Signatures are decoded strictly (Strict: the unused low bits of the last
// character must be zero), so exactly one spelling of a signature is
// accepted; the lenient decoder let the last character vary, which fuzzing
// found (a sender never produces those spellings).
func decodeBase64N(s string, size int) ([]byte, bool) {
	if len(s) != base64.StdEncoding.EncodedLen(size) {
		return nil, false
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	return b, err == nil && len(b) == size
}

// decodeBase64Raw decodes exactly size bytes of unpadded standard base64.
func decodeBase64Raw(s string, size int) ([]byte, bool) {
	if len(s) != base64.RawStdEncoding.EncodedLen(size) {
		return nil, false
	}
	b, err := base64.RawStdEncoding.Strict().DecodeString(s)
	return b, err == nil && len(b) == size
}
