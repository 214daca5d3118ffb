package verify

import (
	"crypto/sha256"
	"encoding/hex"
)

const (
	bitbucketPlatform = "bitbucket"
	bitbucketHeader   = "X-Hub-Signature"
	bitbucketRequest  = "X-Request-UUID"
)

type bitbucketVerifier struct{ keys [][]byte }

// Bitbucket returns a Verifier of Bitbucket Cloud's X-Hub-Signature header,
// "sha256=<hex>" of the HMAC-SHA256 of the raw body. No timestamp is
// signed, so there is no replay window: X-Request-UUID dedup is the
// defence.
func Bitbucket(secrets []string) Verifier {
	return &bitbucketVerifier{keys: keyList(secrets)}
}

func (v *bitbucketVerifier) Verify(r Request) error {
	if len(v.keys) == 0 {
		return fail(bitbucketPlatform, reasonNoSecrets)
	}
	h := r.HeaderValue(bitbucketHeader)
	if h == "" {
		return fail(bitbucketPlatform, "missing X-Hub-Signature header")
	}
	sig, ok := decodeHexN(h, "sha256=", sha256.Size)
	if !ok {
		return fail(bitbucketPlatform, reasonMalformed)
	}
	if !matchAny(v.keys, [][]byte{sig}, r.Body) {
		return fail(bitbucketPlatform, "no sha256 match")
	}
	return nil
}

// SignBitbucket returns the X-Hub-Signature value Bitbucket would send.
func SignBitbucket(secret string, body []byte) string {
	return "sha256=" + hex.EncodeToString(mac([]byte(secret), body))
}
