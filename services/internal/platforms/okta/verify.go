package okta

import (
	"encoding/json"
	"net/http"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	name = "okta"
	// header is the authentication field Okta's docs and Admin Console
	// use: the hook's registration sets its value (the secret).
	header = "Authorization"
	// challengeHeader carries the value to echo in the one-time
	// verification GET.
	challengeHeader = "X-Okta-Verification-Challenge"
	// maxChallenge bounds the echoed value: Okta's are short tokens.
	maxChallenge = 1024
)

type verifier struct {
	secrets [][]byte
}

// NewVerifier returns a Verifier of Okta event hooks: the Authorization
// header must equal one of the secrets (the "Authentication secret" of the
// hook's registration, e.g. "Basic YWRtaW46c3VwZXJzZWNyZXQ=" or a random
// token), compared in constant time over SHA-256 digests so neither the
// value nor its length leaks. Okta signs nothing: the body is not
// authenticated, and there is no replay window.
func NewVerifier(secrets []string) platform.Verifier {
	return &verifier{secrets: sig.KeyList(secrets)}
}

// Verify checks the Authorization header of r.
func (v *verifier) Verify(r platform.Request) error {
	if len(v.secrets) == 0 {
		return sig.Fail(name, sig.ReasonNoSecrets)
	}
	got := r.HeaderValue(header)
	if got == "" {
		return sig.Fail(name, "missing Authorization header")
	}
	ok := false
	for _, s := range v.secrets {
		// Every secret is compared, so the time taken does not say which
		// one matched.
		if sig.EqualToken(got, s) {
			ok = true
		}
	}
	if !ok {
		return sig.Fail(name, "authorization mismatch")
	}
	return nil
}

// handshake answers Okta's one-time verification request (a GET carrying
// X-Okta-Verification-Challenge) with {"verification": <its value>}. It
// runs after Verify, so only a request with the hook's secret is answered:
// Okta sends the configured Authorization header with every request.
func handshake(h http.Header, _ []byte) (challenge, format string, ok bool) {
	c := h.Get(challengeHeader)
	if c == "" || len(c) > maxChallenge {
		return "", "", false
	}
	b, err := json.Marshal(struct {
		Verification string `json:"verification"`
	}{c})
	if err != nil {
		return "", "", false
	}
	return string(b), platform.ChallengeRawJSON, true
}

// sign is Platform.Sign: Okta sends the secret itself; the body as it is.
func sign(in platform.SignInput) (http.Header, []byte, error) {
	h := http.Header{}
	h.Set(header, in.Secret)
	return h, in.Body, nil
}
