package shopify

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	shopifyPlatform = "shopify"
	shopifyHeader   = "X-Shopify-Hmac-Sha256"
	shopifyEventID  = "X-Shopify-Event-Id"
)

type shopifyVerifier struct{ keys [][]byte }

// NewVerifier returns a Verifier of the X-Shopify-Hmac-Sha256 header, the
// standard-base64 HMAC-SHA256 of the raw body. Shopify signs no timestamp
// (X-Shopify-Triggered-At is unsigned), so there is no replay window.
func NewVerifier(secrets []string) platform.Verifier {
	return &shopifyVerifier{keys: sig.KeyList(secrets)}
}

// Verify checks the X-Shopify-Hmac-Sha256 of r.
func (v *shopifyVerifier) Verify(r platform.Request) error {
	if len(v.keys) == 0 {
		return sig.Fail(shopifyPlatform, sig.ReasonNoSecrets)
	}
	h := r.HeaderValue(shopifyHeader)
	if h == "" {
		return sig.Fail(shopifyPlatform, "missing X-Shopify-Hmac-Sha256 header")
	}
	mac, ok := sig.DecodeBase64N(h, sha256.Size)
	if !ok {
		return sig.Fail(shopifyPlatform, sig.ReasonMalformed)
	}
	if !sig.MatchAny(v.keys, [][]byte{mac}, r.Body) {
		return sig.Fail(shopifyPlatform, "no hmac match")
	}
	return nil
}

// Signature returns the X-Shopify-Hmac-Sha256 value Shopify would send
// for body under secret.
func Signature(secret string, body []byte) string {
	return base64.StdEncoding.EncodeToString(sig.MAC([]byte(secret), body))
}

// sign is Platform.Sign: X-Shopify-Hmac-Sha256, and X-Shopify-Event-Id =
// id when there is one.
func sign(in platform.SignInput) (http.Header, []byte, error) {
	return platform.Headers(shopifyHeader, Signature(in.Secret, in.Body), shopifyEventID, in.ID), in.Body, nil
}
