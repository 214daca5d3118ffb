package sentry

import (
	"crypto/sha256"
	"net/http"
	"strconv"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	name = "sentry"
	// header carries the signature: 64 hex digits, no scheme prefix.
	header = "Sentry-Hook-Signature"
	// timestampHeader is unix seconds. It is not signed, so it is not
	// checked: a window on an unsigned value stops no replay.
	timestampHeader = "Sentry-Hook-Timestamp"
	// requestIDHeader is a fresh uuid4 (hex) per attempt.
	requestIDHeader = "Request-ID"
)

// Scheme is Sentry's: the hex HMAC-SHA256 of the raw body keyed with the
// integration's client secret (used as-is). Sentry signs no timestamp, so
// there is no replay window.
var Scheme = sig.Body{Platform: name, Header: header, Hash: sha256.New}

// NewVerifier returns a Verifier of Sentry-Hook-Signature.
func NewVerifier(secrets []string) platform.Verifier { return Scheme.NewVerifier(secrets) }

// Signature returns the Sentry-Hook-Signature value Sentry would send for
// body under the client secret.
func Signature(secret string, body []byte) string { return Scheme.Signature(secret, body) }

// sign is Platform.Sign: the signature, the timestamp and a Request-ID
// (in.ID, when set), as Sentry sends them; the body as it is.
func sign(in platform.SignInput) (http.Header, []byte, error) {
	now := in.Now
	if now.IsZero() {
		now = time.Now()
	}
	h := http.Header{}
	h.Set(header, Signature(in.Secret, in.Body))
	h.Set(timestampHeader, strconv.FormatInt(now.Unix(), 10))
	if in.ID != "" {
		h.Set(requestIDHeader, in.ID)
	}
	return h, in.Body, nil
}
