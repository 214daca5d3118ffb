package github_test

import (
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/github"
)

func FuzzHeader(f *testing.F) {
	for _, s := range []string{github.Signature(platformtest.FuzzKnown, platformtest.Body), "sha256=", "sha1=00", "", "sha256=zz"} {
		f.Add(s, platformtest.Body)
	}
	known, unknowable := github.NewVerifier([]string{platformtest.FuzzKnown}), github.NewVerifier([]string{platformtest.FuzzUnknowable})
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		r := platform.Request{Header: http.Header{"X-Hub-Signature-256": {header}}, Body: body, Now: platformtest.Now}
		if !platformtest.CheckFuzz(t, known, unknowable, r) {
			return
		}
		want := "sha256=" + hex.EncodeToString(platformtest.OracleMAC([]byte(platformtest.FuzzKnown), string(body)))
		if !strings.EqualFold(header, want) {
			t.Fatalf("accepted %q, want %q", header, want)
		}
	})
}
