package intercom

import (
	"crypto/sha1" //nolint:gosec // Intercom signs with HMAC-SHA1; see NewVerifier.
	"encoding/hex"
	"net/http"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	intercomPlatform = "intercom"
	intercomHeader   = "X-Hub-Signature"
)

type intercomVerifier struct{ keys [][]byte }

// NewVerifier returns a Verifier of Intercom's X-Hub-Signature header,
// "sha1=<hex>" of the HMAC-SHA1 of the raw body keyed with the app's client
// secret. SHA-1 is what Intercom uses and documents; it is accepted only
// for this preset. HMAC-SHA1 is not broken the way plain SHA-1 collisions
// are, but it is the weakest scheme here. No timestamp is signed.
func NewVerifier(secrets []string) platform.Verifier {
	return &intercomVerifier{keys: sig.KeyList(secrets)}
}

// Verify checks the X-Hub-Signature of r.
func (v *intercomVerifier) Verify(r platform.Request) error {
	if len(v.keys) == 0 {
		return sig.Fail(intercomPlatform, sig.ReasonNoSecrets)
	}
	h := r.HeaderValue(intercomHeader)
	if h == "" {
		return sig.Fail(intercomPlatform, "missing X-Hub-Signature header")
	}
	mac, ok := sig.DecodeHexN(h, "sha1=", sha1.Size)
	if !ok {
		return sig.Fail(intercomPlatform, sig.ReasonMalformed)
	}
	if !sig.MatchAnyWith(sha1.New, v.keys, [][]byte{mac}, r.Body) {
		return sig.Fail(intercomPlatform, "no sha1 match")
	}
	return nil
}

// Signature returns the X-Hub-Signature value Intercom would send.
func Signature(secret string, body []byte) string {
	return "sha1=" + hex.EncodeToString(sig.MACWith(sha1.New, []byte(secret), body))
}

// sign is Platform.Sign: the X-Hub-Signature header.
func sign(in platform.SignInput) (http.Header, []byte, error) {
	return http.Header{intercomHeader: {Signature(in.Secret, in.Body)}}, in.Body, nil
}
