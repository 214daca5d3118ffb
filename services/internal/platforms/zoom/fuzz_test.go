package zoom_test

import (
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/zoom"
)

// FuzzHeaders holds platformtest.CheckFuzz's properties for the
// x-zm-signature and x-zm-request-timestamp readers, with an oracle of
// its own.
func FuzzHeaders(f *testing.F) {
	s, ts := zoom.Signature(platformtest.FuzzKnown, platformtest.Now, platformtest.Body)
	f.Add(s, ts, platformtest.Body)
	f.Add(strings.ToUpper(s), ts, platformtest.Body)
	f.Add(s, "+"+ts, platformtest.Body)
	f.Add(s[3:], ts, platformtest.Body)
	f.Add("v0=", "", platformtest.Body)
	known := zoom.NewVerifier([]string{platformtest.FuzzKnown}, 0)
	unknowable := zoom.NewVerifier([]string{platformtest.FuzzUnknowable}, 0)
	f.Fuzz(func(t *testing.T, signature, timestamp string, body []byte) {
		h := http.Header{"X-Zm-Signature": {signature}, "X-Zm-Request-Timestamp": {timestamp}}
		if !platformtest.CheckFuzz(t, known, unknowable, platform.Request{Header: h, Body: body, Now: platformtest.Now}) {
			return
		}
		// Oracle: "v0=" and the hex HMAC of "v0:<timestamp>:<body>".
		want := "v0=" + hex.EncodeToString(platformtest.OracleMAC([]byte(platformtest.FuzzKnown), "v0:", timestamp, ":", string(body)))
		if strings.HasPrefix(signature, "v0=") && strings.EqualFold(signature, want) {
			return
		}
		t.Fatalf("accepted without a valid signature: %q at %q", signature, timestamp)
	})
}
