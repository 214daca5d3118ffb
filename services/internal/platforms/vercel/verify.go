package vercel

import (
	"crypto/sha1"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	name = "vercel"
	// header carries the signature: 40 hex digits, no prefix.
	header = "X-Vercel-Signature"
)

// Scheme is Vercel's: the hex HMAC-SHA1 of the raw body keyed with the
// webhook's secret, used as-is. SHA-1 is what Vercel signs with (its docs
// and every example use createHmac('sha1', ...)); HMAC-SHA1 has no known
// forgery. Vercel signs no timestamp, so there is no replay window.
var Scheme = sig.Body{Platform: name, Header: header, Hash: sha1.New}

// NewVerifier returns a Verifier of x-vercel-signature.
func NewVerifier(secrets []string) platform.Verifier { return Scheme.NewVerifier(secrets) }

// Signature returns the x-vercel-signature value Vercel would send for
// body under secret.
func Signature(secret string, body []byte) string { return Scheme.Signature(secret, body) }
