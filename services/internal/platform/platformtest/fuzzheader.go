package platformtest

import (
	"net/http"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform"
)

// FuzzHeaderValue holds CheckFuzz's properties for one signature header
// of p: the fuzzer varies its value and the body (seeded with seeds over
// Body), beside the fixed headers of base, at Now. p's verifier is keyed
// with FuzzKnown and with FuzzUnknowable; whatever the first accepts,
// oracle (written with the standard library alone, no code of the
// platform) must find a genuine signature in. The fuzz function takes
// (value string, body []byte).
func FuzzHeaderValue(f *testing.F, p platform.Platform, header string, base http.Header, seeds []string, oracle func(value string, body []byte) bool) {
	for _, s := range seeds {
		f.Add(s, Body)
	}
	known, err := p.NewVerifier([]string{FuzzKnown}, 0)
	if err != nil {
		f.Fatal(err)
	}
	unknowable, err := p.NewVerifier([]string{FuzzUnknowable}, 0)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, value string, body []byte) {
		h := base.Clone()
		if h == nil {
			h = http.Header{}
		}
		h.Set(header, value)
		r := platform.Request{Header: h, Body: body, Now: Now}
		if !CheckFuzz(t, known, unknowable, r) {
			return
		}
		if !oracle(value, body) {
			t.Fatalf("accepted %s %q without a genuine signature", header, value)
		}
	})
}
