package github

import (
	"crypto/sha256"
	"encoding/hex"
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

type githubVerifier struct{ keys [][]byte }

// NewVerifier returns a Verifier of the X-Hub-Signature-256 header, the
// HMAC-SHA256 of the raw body. The SHA-1 X-Hub-Signature is never
// accepted. GitHub signs no timestamp, so there is no replay window to
// configure.
func NewVerifier(secrets []string) platform.Verifier {
	return &githubVerifier{keys: sig.KeyList(secrets)}
}

// Verify checks the X-Hub-Signature-256 of r.
func (v *githubVerifier) Verify(r platform.Request) error {
	if len(v.keys) == 0 {
		return sig.Fail(githubPlatform, sig.ReasonNoSecrets)
	}
	h := r.HeaderValue(githubHeader)
	if h == "" {
		if r.HasHeader(githubLegacyHeader) {
			// Worth its own reason: it means the hook was set up without
			// a secret GitHub can sign SHA-256 with, or is not GitHub.
			return sig.Fail(githubPlatform, "only SHA-1 X-Hub-Signature present, not accepted")
		}
		return sig.Fail(githubPlatform, "missing X-Hub-Signature-256 header")
	}
	mac, ok := sig.DecodeHexN(h, "sha256=", sha256.Size)
	if !ok {
		return sig.Fail(githubPlatform, sig.ReasonMalformed)
	}
	if !sig.MatchAny(v.keys, [][]byte{mac}, r.Body) {
		return sig.Fail(githubPlatform, "no sha256 match")
	}
	return nil
}

// Signature returns the X-Hub-Signature-256 value GitHub would send for
// body under secret: "sha256=<hex>".
func Signature(secret string, body []byte) string {
	return "sha256=" + hex.EncodeToString(sig.MAC([]byte(secret), body))
}

// sign is Platform.Sign: X-Hub-Signature-256, and X-GitHub-Delivery = id
// when there is one.
func sign(in platform.SignInput) (http.Header, []byte, error) {
	return platform.Headers(githubHeader, Signature(in.Secret, in.Body), githubDelivery, in.ID), in.Body, nil
}
