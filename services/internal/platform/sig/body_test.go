package sig_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

var (
	bodyHex    = sig.Body{Hash: sha256.New, Platform: "hex", Header: "Signature", Prefix: "sha256="}
	bodyBase64 = sig.Body{Hash: sha256.New, Platform: "b64", Header: "Signature", Prefix: "sha256=", Base64: true}
)

func TestBody(t *testing.T) {
	t.Parallel()
	// HMAC-SHA256("It's a Secret to Everybody", "Hello, World!"), GitHub's
	// published example of this scheme.
	const want = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	mac, _ := hex.DecodeString(want)
	if got := bodyHex.Signature("It's a Secret to Everybody", []byte("Hello, World!")); got != "sha256="+want {
		t.Errorf("hex Sign = %s", got)
	}
	if got := bodyBase64.Signature("It's a Secret to Everybody", []byte("Hello, World!")); got != "sha256="+base64.StdEncoding.EncodeToString(mac) {
		t.Errorf("base64 Sign = %s", got)
	}
	h := func(name, value, want string) platformtest.Case {
		return platformtest.Case{Name: name, Header: platformtest.H("Signature", value), Body: []byte("Hello, World!"), Want: want}
	}
	b64 := base64.StdEncoding.EncodeToString(mac)
	platformtest.RunCases(t, bodyHex.NewVerifier([]string{"other", "It's a Secret to Everybody"}), []platformtest.Case{
		h("valid", "sha256="+want, ""),
		h("upper-case hex", "sha256="+strings.ToUpper(want), ""),
		h("base64 where hex is sent", "sha256="+b64, sig.ReasonMalformed),
		h("no prefix", want, sig.ReasonMalformed),
		h("other prefix", "sha1="+want, sig.ReasonMalformed),
		h("short", "sha256="+want[2:], sig.ReasonMalformed),
		h("wrong", "sha256="+strings.Repeat("0", 64), sig.ReasonNoMatch),
		{Name: "tampered body", Header: platformtest.H("Signature", "sha256="+want), Body: []byte("Hello, World?"), Want: sig.ReasonNoMatch},
		{Name: "no header", Want: "missing Signature header"},
	})
	platformtest.RunCases(t, bodyBase64.NewVerifier([]string{"It's a Secret to Everybody"}), []platformtest.Case{
		h("valid", "sha256="+b64, ""),
		h("hex where base64 is sent", "sha256="+want, sig.ReasonMalformed),
		h("unpadded", "sha256="+strings.TrimRight(b64, "="), sig.ReasonMalformed),
		h("URL alphabet", "sha256="+base64.URLEncoding.EncodeToString(mac), sig.ReasonMalformed),
	})
	platformtest.RunCases(t, bodyBase64.NewVerifier([]string{""}), []platformtest.Case{h("no secrets", "sha256="+b64, sig.ReasonNoSecrets)})
	own := bodyHex
	own.NoMatch = "no sha256 match"
	platformtest.RunCases(t, own.NewVerifier([]string{"It's a Secret to Everybody"}), []platformtest.Case{
		h("valid, own reason", "sha256="+want, ""),
		h("wrong, own reason", "sha256="+strings.Repeat("0", 64), "no sha256 match"),
		h("malformed, shared reason", "sha256=", sig.ReasonMalformed),
	})
}

// FuzzBody holds platformtest.CheckFuzz's properties for Body in
// both encodings, with an oracle of its own.
func FuzzBody(f *testing.F) {
	body := platformtest.Body
	f.Add(bodyHex.Signature(platformtest.FuzzKnown, body), false, body)
	f.Add(bodyBase64.Signature(platformtest.FuzzKnown, body), true, body)
	for _, s := range []string{"", "sha256=", "sha256=zz", "garbage", "sha256=" + strings.Repeat("A", 43) + "="} {
		f.Add(s, true, body)
		f.Add(s, false, body)
	}
	f.Fuzz(func(t *testing.T, header string, b64 bool, body []byte) {
		s := bodyHex
		if b64 {
			s = bodyBase64
		}
		known, unknowable := s.NewVerifier([]string{platformtest.FuzzKnown}), s.NewVerifier([]string{platformtest.FuzzUnknowable})
		r := platform.Request{Header: http.Header{"Signature": {header}}, Body: body, Now: platformtest.Now}
		if !platformtest.CheckFuzz(t, known, unknowable, r) {
			return
		}
		// Oracle: the header is the prefix and the body's HMAC, in the
		// scheme's encoding (hex in either case).
		mac := platformtest.OracleMAC([]byte(platformtest.FuzzKnown), string(body))
		if b64 && header == "sha256="+base64.StdEncoding.EncodeToString(mac) {
			return
		}
		if !b64 && strings.EqualFold(header, "sha256="+hex.EncodeToString(mac)) && strings.HasPrefix(header, "sha256=") {
			return
		}
		t.Fatalf("accepted without a valid signature: %q", header)
	})
}
