package verify

import (
	"crypto/sha1" //nolint:gosec // Intercom signs with HMAC-SHA1; see Intercom.
	"encoding/hex"
)

const (
	intercomPlatform = "intercom"
	intercomHeader   = "X-Hub-Signature"
)

type intercomVerifier struct{ keys [][]byte }

// Intercom returns a Verifier of Intercom's X-Hub-Signature header,
// "sha1=<hex>" of the HMAC-SHA1 of the raw body keyed with the app's client
// secret. SHA-1 is what Intercom uses and documents; it is accepted only
// for this preset. HMAC-SHA1 is not broken the way plain SHA-1 collisions
// are, but it is the weakest scheme here. No timestamp is signed.
func Intercom(secrets []string) Verifier {
	return &intercomVerifier{keys: keyList(secrets)}
}

func (v *intercomVerifier) Verify(r Request) error {
	if len(v.keys) == 0 {
		return fail(intercomPlatform, reasonNoSecrets)
	}
	h := r.HeaderValue(intercomHeader)
	if h == "" {
		return fail(intercomPlatform, "missing X-Hub-Signature header")
	}
	sig, ok := decodeHexN(h, "sha1=", sha1.Size)
	if !ok {
		return fail(intercomPlatform, reasonMalformed)
	}
	if !matchAnyWith(sha1.New, v.keys, [][]byte{sig}, r.Body) {
		return fail(intercomPlatform, "no sha1 match")
	}
	return nil
}

// SignIntercom returns the X-Hub-Signature value Intercom would send.
func SignIntercom(secret string, body []byte) string {
	return "sha1=" + hex.EncodeToString(macWith(sha1.New, []byte(secret), body))
}
