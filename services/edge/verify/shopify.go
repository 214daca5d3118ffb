package verify

import (
	"crypto/sha256"
	"encoding/base64"
)

const (
	shopifyPlatform = "shopify"
	shopifyHeader   = "X-Shopify-Hmac-Sha256"
	shopifyEventID  = "X-Shopify-Event-Id"
)

type shopifyVerifier struct{ keys [][]byte }

// Shopify returns a Verifier of the X-Shopify-Hmac-Sha256 header, the
// standard-base64 HMAC-SHA256 of the raw body. Shopify signs no timestamp
// (X-Shopify-Triggered-At is unsigned), so there is no replay window.
func Shopify(secrets []string) Verifier {
	return &shopifyVerifier{keys: keyList(secrets)}
}

func (v *shopifyVerifier) Verify(r Request) error {
	if len(v.keys) == 0 {
		return fail(shopifyPlatform, reasonNoSecrets)
	}
	h := r.HeaderValue(shopifyHeader)
	if h == "" {
		return fail(shopifyPlatform, "missing X-Shopify-Hmac-Sha256 header")
	}
	sig, ok := decodeBase64Sig(h)
	if !ok {
		return fail(shopifyPlatform, reasonMalformed)
	}
	if !matchAny(v.keys, [][]byte{sig}, r.Body) {
		return fail(shopifyPlatform, "no hmac match")
	}
	return nil
}

// decodeBase64Sig decodes exactly one SHA-256 in padded standard base64.
// The length is checked before decoding so a huge value costs nothing.
func decodeBase64Sig(s string) ([]byte, bool) {
	if len(s) != base64.StdEncoding.EncodedLen(sha256.Size) {
		return nil, false
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(s) // one spelling per signature, see decodeBase64N
	return sig, err == nil && len(sig) == sha256.Size
}

// SignShopify returns the X-Shopify-Hmac-Sha256 value Shopify would send for
// body under secret.
func SignShopify(secret string, body []byte) string {
	return base64.StdEncoding.EncodeToString(mac([]byte(secret), body))
}
