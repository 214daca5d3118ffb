package slack_test

import (
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/slack"
)

func FuzzHeaders(f *testing.F) {
	sig, ts := slack.Signature(platformtest.FuzzKnown, platformtest.Now, platformtest.Body)
	for _, s := range [][2]string{{sig, ts}, {sig, "+" + ts}, {"v0=", ts}, {"v1" + sig[2:], ts}, {"", ""}, {sig, "99999999999999999999"}} {
		f.Add(s[0], s[1], platformtest.Body)
	}
	known, unknowable := slack.NewVerifier([]string{platformtest.FuzzKnown}, 0), slack.NewVerifier([]string{platformtest.FuzzUnknowable}, 0)
	f.Fuzz(func(t *testing.T, sig, ts string, body []byte) {
		r := platform.Request{
			Header: http.Header{"X-Slack-Signature": {sig}, "X-Slack-Request-Timestamp": {ts}},
			Body:   body,
			Now:    platformtest.Now,
		}
		if !platformtest.CheckFuzz(t, known, unknowable, r) {
			return
		}
		want := "v0=" + hex.EncodeToString(platformtest.OracleMAC([]byte(platformtest.FuzzKnown), "v0:", ts, ":", string(body)))
		if !strings.EqualFold(sig, want) || !strings.HasPrefix(sig, "v0=") {
			t.Fatalf("accepted %q at %q, want %q", sig, ts, want)
		}
	})
}
