package github_test

import (
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platforms/github"
)

// TestGitHubVector is the example from GitHub's "Validating webhook
// deliveries" documentation.
func TestVector(t *testing.T) {
	t.Parallel()
	const (
		secret = "It's a Secret to Everybody"
		body   = "Hello, World!"
		want   = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	)
	if got := github.Signature(secret, []byte(body)); got != want {
		t.Errorf("Signature = %s, want %s", got, want)
	}
	v := github.NewVerifier([]string{secret})
	platformtest.CheckErr(t, v.Verify(platform.Request{Header: platformtest.H("X-Hub-Signature-256", want), Body: []byte(body)}), "")
	platformtest.CheckErr(t, v.Verify(platform.Request{Header: platformtest.H("X-Hub-Signature-256", want), Body: []byte(body + "\n")}), "no sha256 match")
}

func TestVerify(t *testing.T) {
	t.Parallel()
	const secret, rotated = "gh-secret", "gh-secret-next"
	v := github.NewVerifier([]string{secret, rotated})
	valid := github.Signature(secret, platformtest.Body)
	hexSig := strings.TrimPrefix(valid, "sha256=")
	gh := func(name, value, want string) platformtest.Case {
		return platformtest.Case{Name: name, Header: platformtest.H("X-Hub-Signature-256", value), Want: want}
	}
	platformtest.RunCases(t, v, []platformtest.Case{
		gh("valid", valid, ""),
		gh("rotation: second secret", github.Signature(rotated, platformtest.Body), ""),
		{Name: "tampered body", Header: platformtest.H("X-Hub-Signature-256", valid), Body: platformtest.TamperedBody, Want: "no sha256 match"},
		gh("wrong secret", github.Signature("other", platformtest.Body), "no sha256 match"),
		gh("empty body signed, body sent", github.Signature(secret, nil), "no sha256 match"),
		{Name: "empty body", Header: platformtest.H("X-Hub-Signature-256", github.Signature(secret, nil)), Body: []byte{}, Want: ""},
		{Name: "missing header", Header: platformtest.H("X-GitHub-Event", "push"), Want: "missing X-Hub-Signature-256 header"},
		{
			Name:   "SHA-1 header only",
			Header: platformtest.H("X-Hub-Signature", "sha1=0000000000000000000000000000000000000000"),
			Want:   "only SHA-1 X-Hub-Signature present, not accepted",
		},
		gh("malformed: no prefix", hexSig, sig.ReasonMalformed),
		gh("malformed: sha1 prefix", "sha1="+hexSig, sig.ReasonMalformed),
		gh("malformed: upper-case prefix", "SHA256="+hexSig, sig.ReasonMalformed),
		gh("malformed: short", "sha256="+hexSig[:62], sig.ReasonMalformed),
		gh("malformed: long", valid+"00", sig.ReasonMalformed),
		gh("malformed: not hex", "sha256="+hexSig[:62]+"zz", sig.ReasonMalformed),
		gh("malformed: trailing space", valid+" ", sig.ReasonMalformed),
		gh("malformed: two values", valid+","+valid, sig.ReasonMalformed),
		gh("upper-case hex", "sha256="+strings.ToUpper(hexSig), ""),
		{Name: "lower-case header name", Header: map[string][]string{"x-hub-signature-256": {valid}}},
	})
}
