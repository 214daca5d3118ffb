package shopify

import (
	"crypto/sha256"
	"net/http"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	shopifyPlatform = "shopify"
	shopifyHeader   = "X-Shopify-Hmac-Sha256"
	shopifyEventID  = "X-Shopify-Event-Id"
)

// scheme is Shopify's: the standard-base64 HMAC-SHA256 of the raw body.
var scheme = sig.Body{Platform: shopifyPlatform, Header: shopifyHeader, Hash: sha256.New, Base64: true, NoMatch: "no hmac match"}

// NewVerifier returns a Verifier of the X-Shopify-Hmac-Sha256 header, the
// standard-base64 HMAC-SHA256 of the raw body. Shopify signs no timestamp
// (X-Shopify-Triggered-At is unsigned), so there is no replay window.
func NewVerifier(secrets []string) platform.Verifier { return scheme.NewVerifier(secrets) }

// Signature returns the X-Shopify-Hmac-Sha256 value Shopify would send
// for body under secret.
func Signature(secret string, body []byte) string { return scheme.Signature(secret, body) }

// sign is Platform.Sign: X-Shopify-Hmac-Sha256, and X-Shopify-Event-Id =
// id when there is one.
func sign(in platform.SignInput) (http.Header, []byte, error) {
	return platform.Headers(shopifyHeader, Signature(in.Secret, in.Body), shopifyEventID, in.ID), in.Body, nil
}
