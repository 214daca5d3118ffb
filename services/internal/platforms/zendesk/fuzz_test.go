package zendesk_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/zendesk"
)

func FuzzHeaders(f *testing.F) {
	signature, ts := zendesk.Signature(platformtest.FuzzKnown, platformtest.Now, platformtest.Body)
	f.Add(signature, ts, platformtest.Body)
	f.Add(signature, "2023-11-14T22:13:20+00:00", platformtest.Body)
	f.Add("", "", platformtest.Body)
	f.Add(signature, strings.Repeat("9", 100), platformtest.Body)
	known, unknowable := zendesk.NewVerifier([]string{platformtest.FuzzKnown}, 0), zendesk.NewVerifier([]string{platformtest.FuzzUnknowable}, 0)
	f.Fuzz(func(t *testing.T, signature, ts string, body []byte) {
		r := platform.Request{Header: http.Header{
			"X-Zendesk-Webhook-Signature": {signature}, "X-Zendesk-Webhook-Signature-Timestamp": {ts},
		}, Body: body, Now: platformtest.Now}
		if !platformtest.CheckFuzz(t, known, unknowable, r) {
			return
		}
		if want := base64.StdEncoding.EncodeToString(platformtest.OracleMAC([]byte(platformtest.FuzzKnown), ts, string(body))); signature != want {
			t.Fatalf("accepted %q, want %q", signature, want)
		}
	})
}
