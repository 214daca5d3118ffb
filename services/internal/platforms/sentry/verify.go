package sentry

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	name = "sentry"
	// header carries the signature: 64 hex digits, no scheme prefix.
	header = "Sentry-Hook-Signature"
	// resourceHeader names the resource a webhook is about (issue,
	// event_alert, metric_alert, error, comment, installation).
	resourceHeader = "Sentry-Hook-Resource"
	// timestampHeader is unix seconds. It is not signed, so it is not
	// checked: a window on an unsigned value stops no replay.
	timestampHeader = "Sentry-Hook-Timestamp"
	// requestIDHeader is a fresh uuid4 (hex) per attempt.
	requestIDHeader = "Request-ID"
)

type verifier struct {
	keys [][]byte
}

// NewVerifier returns a Verifier of Sentry-Hook-Signature: the hex
// HMAC-SHA256 of the raw body keyed with the integration's client secret
// (used as-is). Sentry signs no timestamp, so there is no replay window.
func NewVerifier(secrets []string) platform.Verifier {
	return &verifier{keys: sig.KeyList(secrets)}
}

// Verify checks the Sentry-Hook-Signature header of r.
func (v *verifier) Verify(r platform.Request) error {
	if len(v.keys) == 0 {
		return sig.Fail(name, sig.ReasonNoSecrets)
	}
	h := r.HeaderValue(header)
	if h == "" {
		return sig.Fail(name, "missing Sentry-Hook-Signature header")
	}
	got, ok := sig.DecodeHexN(h, "", sha256.Size)
	if !ok {
		return sig.Fail(name, sig.ReasonMalformed)
	}
	if !sig.MatchAny(v.keys, [][]byte{got}, r.Body) {
		return sig.Fail(name, "no signature match")
	}
	return nil
}

// Signature returns the Sentry-Hook-Signature value Sentry would send for
// body under the client secret.
func Signature(secret string, body []byte) string {
	return hex.EncodeToString(sig.MAC([]byte(secret), body))
}

// sign is Platform.Sign: the signature, the timestamp and a Request-ID
// (in.ID, else a fresh one), as Sentry sends them; the body as it is.
func sign(in platform.SignInput) (http.Header, []byte, error) {
	now := in.Now
	if now.IsZero() {
		now = time.Now()
	}
	h := http.Header{}
	h.Set(header, Signature(in.Secret, in.Body))
	h.Set(timestampHeader, unixString(now))
	if in.ID != "" {
		h.Set(requestIDHeader, in.ID)
	}
	return h, in.Body, nil
}

func newVerifier(secrets []string, _ time.Duration) (platform.Verifier, error) {
	return NewVerifier(secrets), nil
}
