// Package platform defines what a webhook platform is to hookmesh: one
// value, Platform, holding everything the edge, the normalizer and the CLI
// need to know about it (verification, signing, the dedup key, the
// handshake, normalization and its mapping, sample payloads and test
// data). Each platform is a package under services/internal/platforms/
// that exports one Platform; the registry there lists them all, and
// platformtest checks each one the same way. docs/adding-a-platform.md
// walks through adding one.
//
// The subpackages hold what platforms share: sig (HMAC, comparison and
// timestamp-window helpers), eventid (the dedup key and id encoding), norm
// (normalization helpers), money and randid.
package platform

import (
	"bytes"
	"io/fs"
	"net/http"
	"strings"
	"time"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// Platform is everything hookmesh knows about one webhook sender. Every
// field but Handshake and the flags is required: the registry's
// TestComplete fails for a registered platform that lacks one.
type Platform struct {
	// Name is the platform's name in URLs (/webhooks/<name>), config and
	// stored events: lower case, unique.
	Name string

	// NewVerifier returns the Verifier of a set of active secrets (the
	// sender's public keys where Asymmetric). tolerance is the accepted
	// timestamp skew, already defaulted by the caller: a non-positive value
	// means DefaultTolerance. The caller has checked that secrets hold at
	// least one non-empty value; a secret that does not decode wraps
	// apperr.ErrInvalid.
	NewVerifier func(secrets []string, tolerance time.Duration) (Verifier, error)
	// Sign returns the headers a real sender sets to sign in, and the
	// body to send (in.Body unless BodySigned). in.Secret is non-empty and
	// in.Now is set; in.Method and in.URL may be empty (see SignInput).
	Sign func(in SignInput) (http.Header, []byte, error)
	// DefaultTolerance is the replay window of the platform's official
	// SDK, or zero when it signs no timestamp.
	DefaultTolerance time.Duration
	// Asymmetric is set for platforms verified with the sender's public
	// key: the configured secret is the public key, Sign takes the private
	// key.
	Asymmetric bool
	// BodySigned is set for platforms whose signature is inside the body:
	// Sign returns a re-encoded body.
	BodySigned bool
	// SignsURL is set for platforms that sign the request URL: verifying
	// needs Request.URL.
	SignsURL bool
	// BodyUnsigned is set for platforms whose signature does not cover the
	// body (GitLab's shared token, Mailgun's token and timestamp): a
	// tampered body still verifies, so platformtest.Run skips that case.
	BodyUnsigned bool

	// Key derives the dedup key from lower-case headers (values encoded
	// by eventid.Encode) and the body. A missing id wraps
	// apperr.ErrInvalid. The caller checks emptiness and length.
	Key func(headers map[string]string, body []byte) (eventid.Key, error)
	// Handshake reports whether a request is the platform's
	// URL-verification handshake, to answer without recording it, and the
	// answer (see the Challenge* formats). Nil when the platform has none.
	Handshake func(h http.Header, body []byte) (challenge, format string, ok bool)
	// HandshakeGET is set for platforms whose handshake arrives as a GET
	// (Okta's one-time verification request): the edge also routes GET
	// /webhooks/<name> to them, verifies it like any request, answers it
	// when Handshake does and refuses it otherwise (a GET is never
	// recorded). Other platforms' GETs stay 405.
	HandshakeGET bool

	// Normalize fills the platform-specific fields of ev (see
	// norm.Adapter).
	Normalize norm.Adapter
	// Mapping is the one table from the platform's own event type to its
	// common meaning. A type absent here is EVENT_TYPE_UNMAPPED.
	Mapping map[string]eventv1.EventType

	// Items splits a batched delivery (several events in one request:
	// SendGrid, HubSpot, Adyen) into one event per item; nil for the
	// platforms that send one event per request.
	Items *Items

	// Samples are the payloads `hookmesh send` and the benchmarks send.
	Samples Samples

	// TestKeys are the key pairs platformtest.Run signs and verifies
	// with: a primary, a rotated and a stranger's. Nil means three
	// generated shared secrets; set it where secrets have a format
	// (base64, hex) or are key pairs (Asymmetric).
	TestKeys []KeyPair

	// TestData holds the platform's testdata directory (embedded as
	// "testdata"): testdata/normalize/<case>.json with its
	// <case>.headers.json and <case>.golden.json, and the fuzz seed corpus
	// testdata/fuzz/<FuzzTarget>/*. platformtest reads it.
	TestData fs.FS
}

// KeyPair is a signing key and the secret that verifies it: the same
// shared secret twice for HMAC platforms, the private and public keys of
// asymmetric ones.
type KeyPair struct {
	// Sign is what SignInput.Secret takes.
	Sign string
	// Verify is what NewVerifier takes.
	Verify string
}

// EventType returns the common type of the platform's source type from
// Mapping, or EVENT_TYPE_UNMAPPED.
func (p Platform) EventType(sourceType string) eventv1.EventType {
	return norm.Mapped(p.Mapping, sourceType)
}

// Samples are realistic webhooks of a platform, unsigned.
type Samples struct {
	// Default is the type sent when none is asked for: the platform's
	// most common event, one the mapping maps where it can.
	Default string
	// NewID returns a fresh id in the platform's own format.
	NewID func(now time.Time) string
	// Templates render a body and its headers for a fresh id, by type.
	Templates map[string]Template
	// TypeHeaders returns the headers that name the event type typ, for
	// platforms that send it in a header; nil otherwise.
	TypeHeaders func(typ string) map[string]string
	// IDHeaders returns the headers that carry a delivery's id, for the
	// platforms keyed by a header; nil otherwise.
	IDHeaders func(id string) http.Header
	// KeyedByContent is set where the dedup key is a function of the body
	// rather than the fresh id itself.
	KeyedByContent bool
}

// Template renders a sample body and its headers for a fresh id at now.
type Template func(id string, now time.Time) (body string, header http.Header)

// Handshake answer formats (the format Platform.Handshake returns).
const (
	// ChallengeJSON answers 200 {"challenge": challenge} (Slack).
	ChallengeJSON = ""
	// ChallengeText answers 200 with the challenge as text/plain (Twitch).
	ChallengeText = "text"
	// ChallengeRawJSON answers 200 with the challenge, a JSON document, as
	// is (Discord's interaction PONG {"type":1}).
	ChallengeRawJSON = "raw-json"
	// ChallengeEmpty answers 204 with no body (Discord's webhook-event
	// PING).
	ChallengeEmpty = "empty"
)

// MayContain reports whether a JSON body could hold a string whose decoded
// value is s, an ASCII text without '\\' or '"': only if it spells s or
// has an escape. Without one, a decoded string is its raw bytes (invalid
// UTF-8 turns into U+FFFD, never into ASCII), so the raw bytes would hold
// s. It spares decoding the bodies that cannot be a handshake.
func MayContain(body []byte, s string) bool {
	return bytes.Contains(body, []byte(s)) || bytes.IndexByte(body, '\\') >= 0
}

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

// HeaderValue returns the first value of the named header. It falls back
// to a case-insensitive scan because headers that did not come through
// net/http (the gRPC Ingest path, tests, tools) may not use canonical keys.
func (r Request) HeaderValue(name string) string {
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

// HasHeader reports whether the named header is present with a non-empty
// value.
func (r Request) HasHeader(name string) bool { return r.HeaderValue(name) != "" }

// MethodOrPost returns Method, or POST when it is empty.
func (r Request) MethodOrPost() string {
	if r.Method == "" {
		return http.MethodPost
	}
	return r.Method
}

// NowOrClock returns Now, or time.Now() when it is zero.
func (r Request) NowOrClock() time.Time {
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

// SignInput is what a platform's Sign signs.
type SignInput struct {
	// Secret is the shared secret; for asymmetric platforms the sender's
	// private key.
	Secret string
	// Now is the signing time; zero means time.Now().
	Now time.Time
	// ID is the event or message id; required where it is signed
	// (standard, svix, clerk, resend, twitch), else sent in the platform's
	// id header when it has one.
	ID string
	// Body is the payload.
	Body []byte
	// Method is the HTTP method; empty means POST.
	Method string
	// URL is the full URL the request is sent to, as the edge will see it
	// (its HOOKMESH_PUBLIC_URL plus /webhooks/<platform>); empty means
	// DefaultURL. Only URL-signing platforms and configured sources using
	// {url} sign it.
	URL string
}

// MethodOrPost returns Method, or POST when it is empty.
func (in SignInput) MethodOrPost() string {
	if in.Method == "" {
		return http.MethodPost
	}
	return in.Method
}

// URLOrDefault returns URL, or DefaultURL(platform) when it is empty.
func (in SignInput) URLOrDefault(platform string) string {
	if in.URL == "" {
		return DefaultURL(platform)
	}
	return in.URL
}

// DefaultURL is the URL signed for the platforms that sign it when none is
// given: the edge of `make run` as a local client reaches it,
// "http://localhost:8080/webhooks/<platform>".
func DefaultURL(platform string) string { return "http://localhost:8080/webhooks/" + platform }

// Keyed adapts the constructor of a verifier that signs no timestamp and
// cannot fail to Platform.NewVerifier (the tolerance is ignored).
func Keyed(newVerifier func(secrets []string) Verifier) func([]string, time.Duration) (Verifier, error) {
	return func(secrets []string, _ time.Duration) (Verifier, error) { return newVerifier(secrets), nil }
}

// Windowed adapts the constructor of a verifier with a timestamp window
// that cannot fail to Platform.NewVerifier.
func Windowed(newVerifier func(secrets []string, tolerance time.Duration) Verifier) func([]string, time.Duration) (Verifier, error) {
	return func(secrets []string, tolerance time.Duration) (Verifier, error) {
		return newVerifier(secrets, tolerance), nil
	}
}

// Headers builds the headers a Sign returns from name, value pairs,
// leaving out the empty values (an id header when there is no id).
func Headers(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			h.Set(kv[i], kv[i+1])
		}
	}
	return h
}
