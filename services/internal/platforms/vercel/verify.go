package vercel

import (
	"crypto/sha1"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	name = "vercel"
	// header carries the signature: 40 hex digits, no prefix.
	header = "X-Vercel-Signature"
)

type verifier struct {
	keys [][]byte
}

// NewVerifier returns a Verifier of x-vercel-signature: the hex
// HMAC-SHA1 of the raw body keyed with the webhook's secret, used as-is.
// SHA-1 is what Vercel signs with (its docs and every example use
// createHmac('sha1', ...)); HMAC-SHA1 has no known forgery. Vercel signs
// no timestamp, so there is no replay window.
func NewVerifier(secrets []string) platform.Verifier {
	return &verifier{keys: sig.KeyList(secrets)}
}

// Verify checks the x-vercel-signature header of r.
func (v *verifier) Verify(r platform.Request) error {
	if len(v.keys) == 0 {
		return sig.Fail(name, sig.ReasonNoSecrets)
	}
	h := r.HeaderValue(header)
	if h == "" {
		return sig.Fail(name, "missing x-vercel-signature header")
	}
	got, ok := sig.DecodeHexN(h, "", sha1.Size)
	if !ok {
		return sig.Fail(name, sig.ReasonMalformed)
	}
	if !sig.MatchAnyWith(sha1.New, v.keys, [][]byte{got}, r.Body) {
		return sig.Fail(name, "no signature match")
	}
	return nil
}

// Signature returns the x-vercel-signature value Vercel would send for
// body under secret.
func Signature(secret string, body []byte) string {
	return hex.EncodeToString(sig.MACWith(sha1.New, []byte(secret), body))
}

// sign is Platform.Sign: the signature; the body as it is.
func sign(in platform.SignInput) (http.Header, []byte, error) {
	return http.Header{header: {Signature(in.Secret, in.Body)}}, in.Body, nil
}

func newVerifier(secrets []string, _ time.Duration) (platform.Verifier, error) {
	return NewVerifier(secrets), nil
}
