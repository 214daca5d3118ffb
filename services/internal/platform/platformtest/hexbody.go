package platformtest

import (
	"crypto/hmac"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

// FuzzHexBody is the header fuzz target of a platform whose scheme is a
// hex sig.Body without an optional prefix (Sentry, Vercel, Jira):
// CheckFuzz's properties, with an
// oracle of its own (crypto/hmac under s.Hash, no code of the platform):
// an accepted header is s.Prefix and the hex HMAC of the body, in either
// case. The fuzz function takes (header string, body []byte).
func FuzzHexBody(f *testing.F, s sig.Body) {
	if s.Base64 || s.PrefixOptional {
		f.Fatalf("FuzzHexBody: %s's scheme is not hex behind a fixed prefix", s.Platform)
	}
	valid := s.Signature(FuzzKnown, Body)
	digits := strings.TrimPrefix(valid, s.Prefix)
	for _, v := range []string{
		valid, s.Prefix + strings.ToUpper(digits), " " + valid, valid + " ", valid[:len(valid)-1],
		digits, "sha1=" + digits, s.Prefix, "", "garbage",
	} {
		f.Add(v, Body)
	}
	known, unknowable := s.NewVerifier([]string{FuzzKnown}), s.NewVerifier([]string{FuzzUnknowable})
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		r := platform.Request{Header: http.Header{http.CanonicalHeaderKey(s.Header): {header}}, Body: body}
		if !CheckFuzz(t, known, unknowable, r) {
			return
		}
		m := hmac.New(s.Hash, []byte(FuzzKnown))
		m.Write(body)
		got, ok := strings.CutPrefix(header, s.Prefix)
		if !ok || !strings.EqualFold(got, hex.EncodeToString(m.Sum(nil))) {
			t.Fatalf("accepted %q, want %s and the hex HMAC of the body", header, s.Prefix)
		}
	})
}
