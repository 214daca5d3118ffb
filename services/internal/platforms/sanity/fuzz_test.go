package sanity_test

import (
	"encoding/base64"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/sanity"
)

// toolkitPattern is @sanity/webhook's SIGNATURE_HEADER_REGEX: the oracle
// reads the header with it, not with the package's parser.
var toolkitPattern = regexp.MustCompile(`^t=(\d+)[, ]+v1=([^, ]+)$`)

// FuzzHeader holds platformtest.CheckFuzz's properties for the
// sanity-webhook-signature parser, with an oracle of its own.
func FuzzHeader(f *testing.F) {
	valid := sanity.Signature(platformtest.FuzzKnown, platformtest.Now, platformtest.Body)
	for _, s := range []string{
		valid,
		strings.Replace(valid, ",", " ,  ", 1),
		valid + ",v1=x",
		strings.Replace(valid, "v1=", "v0=", 1),
		"t=1700000000000,v1=" + strings.Repeat("A", 43),
		"t=,v1=", "t=1", ",", "", "garbage",
	} {
		f.Add(s, platformtest.Body)
	}
	known := sanity.NewVerifier([]string{platformtest.FuzzKnown}, 0)
	unknowable := sanity.NewVerifier([]string{platformtest.FuzzUnknowable}, 0)
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		r := platform.Request{Header: http.Header{"Sanity-Webhook-Signature": {header}}, Body: body, Now: platformtest.Now}
		if !platformtest.CheckFuzz(t, known, unknowable, r) {
			return
		}
		m := toolkitPattern.FindStringSubmatch(strings.Trim(header, " \t"))
		if m != nil && m[2] == base64.RawURLEncoding.EncodeToString(platformtest.OracleMAC([]byte(platformtest.FuzzKnown), m[1], ".", string(body))) {
			return
		}
		t.Fatalf("accepted without a valid signature: %q", header)
	})
}
