package verify

const (
	gitlabPlatform  = "gitlab"
	gitlabHeader    = "X-Gitlab-Token"
	gitlabEventUUID = "X-Gitlab-Event-UUID"
	// maxTokenLen bounds a shared-token header: GitLab limits secret
	// tokens far below this, and nothing longer is worth hashing.
	maxTokenLen = 1024
)

type gitlabVerifier struct{ keys [][]byte }

// GitLab returns a Verifier of the X-Gitlab-Token header. GitLab does not
// sign: it sends the webhook's secret token itself, which is compared with
// each configured secret in constant time (lengths included). There is no
// signed timestamp and no body integrity: TLS is the only protection of
// the payload, and the dedup key the only replay defence.
func GitLab(secrets []string) Verifier {
	return &gitlabVerifier{keys: keyList(secrets)}
}

func (v *gitlabVerifier) Verify(r Request) error {
	if len(v.keys) == 0 {
		return fail(gitlabPlatform, reasonNoSecrets)
	}
	h := r.HeaderValue(gitlabHeader)
	if h == "" {
		return fail(gitlabPlatform, "missing X-Gitlab-Token header")
	}
	if len(h) > maxTokenLen {
		return fail(gitlabPlatform, reasonMalformed)
	}
	ok := false
	for _, k := range v.keys {
		// No early exit: the time taken does not depend on which key
		// matched.
		if equalToken(h, k) {
			ok = true
		}
	}
	if !ok {
		return fail(gitlabPlatform, "no token match")
	}
	return nil
}
