package bitbucket

import (
	"crypto/sha256"
	"net/http"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	bitbucketPlatform = "bitbucket"
	bitbucketHeader   = "X-Hub-Signature"
	bitbucketRequest  = "X-Request-UUID"
)

// scheme is Bitbucket Cloud's: "sha256=" and the hex HMAC-SHA256 of the
// raw body.
var scheme = sig.Body{Platform: bitbucketPlatform, Header: bitbucketHeader, Hash: sha256.New, Prefix: "sha256=", NoMatch: "no sha256 match"}

// NewVerifier returns a Verifier of Bitbucket Cloud's X-Hub-Signature header,
// "sha256=<hex>" of the HMAC-SHA256 of the raw body. No timestamp is
// signed, so there is no replay window: X-Request-UUID dedup is the
// defence.
func NewVerifier(secrets []string) platform.Verifier { return scheme.NewVerifier(secrets) }

// Signature returns the X-Hub-Signature value Bitbucket would send.
func Signature(secret string, body []byte) string { return scheme.Signature(secret, body) }

// sign is Platform.Sign: X-Hub-Signature, and X-Request-UUID = id when
// there is one.
func sign(in platform.SignInput) (http.Header, []byte, error) {
	return platform.Headers(bitbucketHeader, Signature(in.Secret, in.Body), bitbucketRequest, in.ID), in.Body, nil
}
