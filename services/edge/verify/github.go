package verify

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

const (
	githubPlatform     = "github"
	githubHeader       = "X-Hub-Signature-256"
	githubLegacyHeader = "X-Hub-Signature"
	githubDelivery     = "X-GitHub-Delivery"
)

type githubVerifier struct{ keys [][]byte }

// GitHub returns a Verifier of the X-Hub-Signature-256 header, the
// HMAC-SHA256 of the raw body. The SHA-1 X-Hub-Signature is never accepted.
// GitHub signs no timestamp, so there is no replay window to configure.
func GitHub(secrets []string) Verifier {
	return &githubVerifier{keys: keyList(secrets)}
}

func (v *githubVerifier) Verify(r Request) error {
	if len(v.keys) == 0 {
		return fail(githubPlatform, reasonNoSecrets)
	}
	h := r.HeaderValue(githubHeader)
	if h == "" {
		if r.HasHeader(githubLegacyHeader) {
			// Worth its own reason: it means the hook was set up without
			// a secret GitHub can sign SHA-256 with, or is not GitHub.
			return fail(githubPlatform, "only SHA-1 X-Hub-Signature present, not accepted")
		}
		return fail(githubPlatform, "missing X-Hub-Signature-256 header")
	}
	sig, ok := decodeHexSig(h, "sha256=")
	if !ok {
		return fail(githubPlatform, reasonMalformed)
	}
	if !matchAny(v.keys, [][]byte{sig}, r.Body) {
		return fail(githubPlatform, "no sha256 match")
	}
	return nil
}

// decodeHexSig strips prefix and decodes exactly one SHA-256 in hex. The
// length is checked before decoding so a huge value costs nothing.
func decodeHexSig(h, prefix string) ([]byte, bool) {
	v, ok := strings.CutPrefix(h, prefix)
	if !ok || len(v) != hex.EncodedLen(sha256.Size) {
		return nil, false
	}
	sig, err := hex.DecodeString(v)
	return sig, err == nil
}

// SignGitHub returns the X-Hub-Signature-256 value GitHub would send for
// body under secret: "sha256=<hex>".
func SignGitHub(secret string, body []byte) string {
	return "sha256=" + hex.EncodeToString(mac([]byte(secret), body))
}
