package bitbucket

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	bitbucketPlatform = "bitbucket"
	bitbucketHeader   = "X-Hub-Signature"
	bitbucketRequest  = "X-Request-UUID"
)

type bitbucketVerifier struct{ keys [][]byte }

// NewVerifier returns a Verifier of Bitbucket Cloud's X-Hub-Signature header,
// "sha256=<hex>" of the HMAC-SHA256 of the raw body. No timestamp is
// signed, so there is no replay window: X-Request-UUID dedup is the
// defence.
func NewVerifier(secrets []string) platform.Verifier {
	return &bitbucketVerifier{keys: sig.KeyList(secrets)}
}

// Verify checks the X-Hub-Signature of r.
func (v *bitbucketVerifier) Verify(r platform.Request) error {
	if len(v.keys) == 0 {
		return sig.Fail(bitbucketPlatform, sig.ReasonNoSecrets)
	}
	h := r.HeaderValue(bitbucketHeader)
	if h == "" {
		return sig.Fail(bitbucketPlatform, "missing X-Hub-Signature header")
	}
	mac, ok := sig.DecodeHexN(h, "sha256=", sha256.Size)
	if !ok {
		return sig.Fail(bitbucketPlatform, sig.ReasonMalformed)
	}
	if !sig.MatchAny(v.keys, [][]byte{mac}, r.Body) {
		return sig.Fail(bitbucketPlatform, "no sha256 match")
	}
	return nil
}

// Signature returns the X-Hub-Signature value Bitbucket would send.
func Signature(secret string, body []byte) string {
	return "sha256=" + hex.EncodeToString(sig.MAC([]byte(secret), body))
}

// sign is Platform.Sign: X-Hub-Signature, and X-Request-UUID = id when
// there is one.
func sign(in platform.SignInput) (http.Header, []byte, error) {
	return platform.Headers(bitbucketHeader, Signature(in.Secret, in.Body), bitbucketRequest, in.ID), in.Body, nil
}
