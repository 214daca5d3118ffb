package docusign_test

import (
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/docusign"
)

// FuzzHeaders holds platformtest.CheckFuzz's properties for the
// X-DocuSign-Signature-<n> reader over two headers, with an oracle of its
// own.
func FuzzHeaders(f *testing.F) {
	valid := docusign.Signature(platformtest.FuzzKnown, platformtest.Body)
	f.Add(valid, "", platformtest.Body)
	f.Add("garbage", valid, platformtest.Body)
	f.Add("", valid, platformtest.Body)
	f.Add(valid[:43], valid+"=", platformtest.Body)
	known := docusign.NewVerifier([]string{platformtest.FuzzKnown})
	unknowable := docusign.NewVerifier([]string{platformtest.FuzzUnknowable})
	f.Fuzz(func(t *testing.T, first, second string, body []byte) {
		h := http.Header{"X-Docusign-Signature-1": {first}, "X-Docusign-Signature-2": {second}}
		if !platformtest.CheckFuzz(t, known, unknowable, platform.Request{Header: h, Body: body, Now: platformtest.Now}) {
			return
		}
		// Oracle: headers are read from the first until one is empty, and
		// one of them is the base64 HMAC of the body.
		want := base64.StdEncoding.EncodeToString(platformtest.OracleMAC([]byte(platformtest.FuzzKnown), string(body)))
		if first == want || (first != "" && second == want) {
			return
		}
		t.Fatalf("accepted without a valid signature: %q, %q", first, second)
	})
}
