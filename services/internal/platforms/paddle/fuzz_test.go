package paddle_test

import (
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/paddle"
)

func FuzzHeader(f *testing.F) {
	valid := paddle.Signature(platformtest.FuzzKnown, platformtest.Now, platformtest.Body)
	_, h1, _ := strings.Cut(valid, ";h1=")
	for _, s := range []string{valid, "ts=1700000000;h1=" + strings.ToUpper(h1), "h1=" + h1 + ";ts=1700000000", "ts=1700000000;h1=" + h1 + strings.Repeat(";h1=", 20), "ts=;h1=", ";", "=", ""} {
		f.Add(s, platformtest.Body)
	}
	known, unknowable := paddle.NewVerifier([]string{platformtest.FuzzKnown}, 0), paddle.NewVerifier([]string{platformtest.FuzzUnknowable}, 0)
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		r := platform.Request{Header: http.Header{"Paddle-Signature": {header}}, Body: body, Now: platformtest.Now}
		if !platformtest.CheckFuzz(t, known, unknowable, r) {
			return
		}
		items := strings.Split(header, ";")
		for _, ti := range items {
			tv, ok := strings.CutPrefix(strings.TrimSpace(ti), "ts=")
			if !ok {
				continue
			}
			want := "h1=" + hex.EncodeToString(platformtest.OracleMAC([]byte(platformtest.FuzzKnown), tv, ":", string(body)))
			for _, si := range items {
				if strings.EqualFold(strings.TrimSpace(si), want) {
					return
				}
			}
		}
		t.Fatalf("accepted without a valid h1: %q", header)
	})
}
