package gitlab

import (
	"net/http"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	gitlabPlatform  = "gitlab"
	gitlabHeader    = "X-Gitlab-Token"
	gitlabEventUUID = "X-Gitlab-Event-UUID"
	// MaxTokenLen bounds a shared-token header: GitLab limits secret
	// tokens far below this, and nothing longer is worth hashing.
	MaxTokenLen = 1024
)

type gitlabVerifier struct{ keys [][]byte }

// NewVerifier returns a Verifier of the X-Gitlab-Token header. GitLab does not
// sign: it sends the webhook's secret token itself, which is compared with
// each configured secret in constant time (lengths included). There is no
// signed timestamp and no body integrity: TLS is the only protection of
// the payload, and the dedup key the only replay defence.
func NewVerifier(secrets []string) platform.Verifier {
	return &gitlabVerifier{keys: sig.KeyList(secrets)}
}

// Verify checks the X-Gitlab-Token of r.
func (v *gitlabVerifier) Verify(r platform.Request) error {
	if len(v.keys) == 0 {
		return sig.Fail(gitlabPlatform, sig.ReasonNoSecrets)
	}
	h := r.HeaderValue(gitlabHeader)
	if h == "" {
		return sig.Fail(gitlabPlatform, "missing X-Gitlab-Token header")
	}
	if len(h) > MaxTokenLen {
		return sig.Fail(gitlabPlatform, sig.ReasonMalformed)
	}
	ok := false
	for _, k := range v.keys {
		// No early exit: the time taken does not depend on which key
		// matched.
		if sig.EqualToken(h, k) {
			ok = true
		}
	}
	if !ok {
		return sig.Fail(gitlabPlatform, "no token match")
	}
	return nil
}

// sign is Platform.Sign: GitLab sends the secret token itself, and
// X-Gitlab-Event-UUID = id when there is one.
func sign(in platform.SignInput) (http.Header, []byte, error) {
	return platform.Headers(gitlabHeader, in.Secret, gitlabEventUUID, in.ID), in.Body, nil
}
