package github

import (
	"crypto/sha256"
	"net/http"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	githubPlatform     = "github"
	githubHeader       = "X-Hub-Signature-256"
	githubLegacyHeader = "X-Hub-Signature"
	githubDelivery     = "X-GitHub-Delivery"
)

// scheme is GitHub's: "sha256=" and the hex HMAC-SHA256 of the raw body.
var scheme = sig.Body{Platform: githubPlatform, Header: githubHeader, Hash: sha256.New, Prefix: "sha256=", NoMatch: "no sha256 match"}

type githubVerifier struct {
	platform.Verifier
	configured bool
}

// NewVerifier returns a Verifier of the X-Hub-Signature-256 header, the
// HMAC-SHA256 of the raw body. The SHA-1 X-Hub-Signature is never
// accepted. GitHub signs no timestamp, so there is no replay window to
// configure.
func NewVerifier(secrets []string) platform.Verifier {
	return &githubVerifier{Verifier: scheme.NewVerifier(secrets), configured: len(sig.KeyList(secrets)) > 0}
}

// Verify checks the X-Hub-Signature-256 of r.
func (v *githubVerifier) Verify(r platform.Request) error {
	if v.configured && r.HeaderValue(githubHeader) == "" && r.HasHeader(githubLegacyHeader) {
		// Worth its own reason: it means the hook was set up without
		// a secret GitHub can sign SHA-256 with, or is not GitHub.
		return sig.Fail(githubPlatform, "only SHA-1 X-Hub-Signature present, not accepted")
	}
	return v.Verifier.Verify(r)
}

// Signature returns the X-Hub-Signature-256 value GitHub would send for
// body under secret: "sha256=<hex>".
func Signature(secret string, body []byte) string { return scheme.Signature(secret, body) }

// sign is Platform.Sign: X-Hub-Signature-256, and X-GitHub-Delivery = id
// when there is one.
func sign(in platform.SignInput) (http.Header, []byte, error) {
	return platform.Headers(githubHeader, Signature(in.Secret, in.Body), githubDelivery, in.ID), in.Body, nil
}
