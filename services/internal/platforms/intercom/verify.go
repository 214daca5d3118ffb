package intercom

import (
	"crypto/sha1" //nolint:gosec // Intercom signs with HMAC-SHA1; see NewVerifier.

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	intercomPlatform = "intercom"
	intercomHeader   = "X-Hub-Signature"
)

// scheme is Intercom's: "sha1=" and the hex HMAC-SHA1 of the raw body.
var scheme = sig.Body{Platform: intercomPlatform, Header: intercomHeader, Hash: sha1.New, Prefix: "sha1=", NoMatch: "no sha1 match"}

// NewVerifier returns a Verifier of Intercom's X-Hub-Signature header,
// "sha1=<hex>" of the HMAC-SHA1 of the raw body keyed with the app's client
// secret. SHA-1 is what Intercom uses and documents; it is accepted only
// for this preset. HMAC-SHA1 is not broken the way plain SHA-1 collisions
// are, but it is the weakest scheme here. No timestamp is signed.
func NewVerifier(secrets []string) platform.Verifier { return scheme.NewVerifier(secrets) }

// Signature returns the X-Hub-Signature value Intercom would send.
func Signature(secret string, body []byte) string { return scheme.Signature(secret, body) }
