package verify

import (
	"strings"
	"testing"
)

// TestGitHubVector is the example from GitHub's "Validating webhook
// deliveries" documentation.
func TestGitHubVector(t *testing.T) {
	t.Parallel()
	const (
		secret = "It's a Secret to Everybody"
		body   = "Hello, World!"
		want   = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	)
	if got := SignGitHub(secret, []byte(body)); got != want {
		t.Errorf("SignGitHub = %s, want %s", got, want)
	}
	v := GitHub([]string{secret})
	checkErr(t, v.Verify(Request{Header: h("X-Hub-Signature-256", want), Body: []byte(body)}), "")
	checkErr(t, v.Verify(Request{Header: h("X-Hub-Signature-256", want), Body: []byte(body + "\n")}), "no sha256 match")
}

func TestGitHub(t *testing.T) {
	t.Parallel()
	const secret, rotated = "gh-secret", "gh-secret-next"
	v := GitHub([]string{secret, rotated})
	valid := SignGitHub(secret, testBody)
	hexSig := strings.TrimPrefix(valid, "sha256=")
	gh := func(name, value, want string) verifyCase {
		return verifyCase{name: name, header: h("X-Hub-Signature-256", value), want: want}
	}
	runCases(t, v, []verifyCase{
		gh("valid", valid, ""),
		gh("rotation: second secret", SignGitHub(rotated, testBody), ""),
		{name: "tampered body", header: h("X-Hub-Signature-256", valid), body: tamperedBody, want: "no sha256 match"},
		gh("wrong secret", SignGitHub("other", testBody), "no sha256 match"),
		gh("empty body signed, body sent", SignGitHub(secret, nil), "no sha256 match"),
		{name: "empty body", header: h("X-Hub-Signature-256", SignGitHub(secret, nil)), body: []byte{}, want: ""},
		{name: "missing header", header: h("X-GitHub-Event", "push"), want: "missing X-Hub-Signature-256 header"},
		{
			name:   "SHA-1 header only",
			header: h("X-Hub-Signature", "sha1=0000000000000000000000000000000000000000"),
			want:   "only SHA-1 X-Hub-Signature present, not accepted",
		},
		gh("malformed: no prefix", hexSig, reasonMalformed),
		gh("malformed: sha1 prefix", "sha1="+hexSig, reasonMalformed),
		gh("malformed: upper-case prefix", "SHA256="+hexSig, reasonMalformed),
		gh("malformed: short", "sha256="+hexSig[:62], reasonMalformed),
		gh("malformed: long", valid+"00", reasonMalformed),
		gh("malformed: not hex", "sha256="+hexSig[:62]+"zz", reasonMalformed),
		gh("malformed: trailing space", valid+" ", reasonMalformed),
		gh("malformed: two values", valid+","+valid, reasonMalformed),
		gh("upper-case hex", "sha256="+strings.ToUpper(hexSig), ""),
		{name: "lower-case header name", header: map[string][]string{"x-hub-signature-256": {valid}}},
	})
}
