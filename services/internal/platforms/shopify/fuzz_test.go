package shopify_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/shopify"
)

func FuzzHeader(f *testing.F) {
	for _, s := range []string{shopify.Signature(platformtest.FuzzKnown, platformtest.Body), "", "=", "AAAA", strings.Repeat("A", 44)} {
		f.Add(s, platformtest.Body)
	}
	known, unknowable := shopify.NewVerifier([]string{platformtest.FuzzKnown}), shopify.NewVerifier([]string{platformtest.FuzzUnknowable})
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		r := platform.Request{Header: http.Header{"X-Shopify-Hmac-Sha256": {header}}, Body: body, Now: platformtest.Now}
		if !platformtest.CheckFuzz(t, known, unknowable, r) {
			return
		}
		if want := base64.StdEncoding.EncodeToString(platformtest.OracleMAC([]byte(platformtest.FuzzKnown), string(body))); header != want {
			t.Fatalf("accepted %q, want %q", header, want)
		}
	})
}
