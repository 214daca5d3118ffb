package platformtest

import (
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

// FuzzV0 is the header fuzz target of a platform whose scheme is a
// sig.V0 (Slack, Zoom): CheckFuzz's properties, with an oracle of its own
// (OracleMAC, no code of the platform): an accepted signature is "v0="
// and the hex HMAC of "v0:<timestamp>:<body>", in either case. The fuzz
// function takes (signature, timestamp string, body []byte).
func FuzzV0(f *testing.F, s sig.V0) {
	valid, ts := s.Signature(FuzzKnown, Now, Body)
	for _, seed := range [][2]string{
		{valid, ts}, {strings.ToUpper(valid), ts}, {valid, "+" + ts}, {valid[3:], ts}, {"v1" + valid[2:], ts},
		{"v0=", ""}, {"", ""}, {valid, "99999999999999999999"},
	} {
		f.Add(seed[0], seed[1], Body)
	}
	const tolerance = 5 * time.Minute
	known, unknowable := s.Verifier([]string{FuzzKnown}, tolerance), s.Verifier([]string{FuzzUnknowable}, tolerance)
	f.Fuzz(func(t *testing.T, signature, timestamp string, body []byte) {
		h := http.Header{http.CanonicalHeaderKey(s.Header): {signature}, http.CanonicalHeaderKey(s.TimeHeader): {timestamp}}
		if !CheckFuzz(t, known, unknowable, platform.Request{Header: h, Body: body, Now: Now}) {
			return
		}
		want := "v0=" + hex.EncodeToString(OracleMAC([]byte(FuzzKnown), "v0:", timestamp, ":", string(body)))
		if !strings.HasPrefix(signature, "v0=") || !strings.EqualFold(signature, want) {
			t.Fatalf("accepted %q at %q, want %s", signature, timestamp, want)
		}
	})
}
