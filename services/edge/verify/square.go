package verify

import (
	"crypto/sha256"
	"encoding/base64"
)

const (
	squarePlatform = "square"
	squareHeader   = "X-Square-Hmacsha256-Signature"
)

type squareVerifier struct{ keys [][]byte }

// Square returns a Verifier of Square's x-square-hmacsha256-signature
// header: base64 of the HMAC-SHA256 of the subscription's notification URL
// followed directly by the raw body, keyed with the subscription's
// signature key. The notification URL is Request.URL, so the edge must know
// its public URL (HOOKMESH_PUBLIC_URL) when behind a proxy. The older
// SHA-1 x-square-signature is not accepted. No timestamp is signed.
func Square(secrets []string) Verifier {
	return &squareVerifier{keys: keyList(secrets)}
}

func (v *squareVerifier) Verify(r Request) error {
	if len(v.keys) == 0 {
		return fail(squarePlatform, reasonNoSecrets)
	}
	h := r.HeaderValue(squareHeader)
	if h == "" {
		return fail(squarePlatform, "missing x-square-hmacsha256-signature header")
	}
	sig, ok := decodeBase64N(h, sha256.Size)
	if !ok {
		return fail(squarePlatform, reasonMalformed)
	}
	if r.URL == "" {
		return fail(squarePlatform, reasonNoURL)
	}
	if !matchAny(v.keys, [][]byte{sig}, []byte(r.URL), r.Body) {
		return fail(squarePlatform, "no signature match")
	}
	return nil
}

// SignSquare returns the x-square-hmacsha256-signature value Square would
// send for body posted to notificationURL under secret.
func SignSquare(secret, notificationURL string, body []byte) string {
	return base64.StdEncoding.EncodeToString(mac([]byte(secret), []byte(notificationURL), body))
}
