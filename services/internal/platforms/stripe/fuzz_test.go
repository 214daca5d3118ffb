package stripe_test

import (
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/stripe"
)

// FuzzHeader holds platformtest.CheckFuzz's properties for the
// Stripe-Signature parser, with an oracle of its own.
func FuzzHeader(f *testing.F) {
	valid := stripe.Signature(platformtest.FuzzKnown, platformtest.Now, platformtest.Body)
	_, v1, _ := strings.Cut(valid, ",v1=")
	for _, s := range []string{
		valid,
		"t=1700000000,v0=" + v1,
		"t=1700000000, v1=" + strings.Repeat("0", 64) + ",v1=" + v1,
		"v1=" + v1 + ",t=1700000000,t=1700000000",
		"t=1700000000,v1=" + v1 + strings.Repeat(",v1=", 20),
		"t=+1700000000,v1=" + v1,
		"t=1700000000,v1=" + strings.ToUpper(v1) + ",",
		"", ",", "=", "t=", "garbage",
	} {
		f.Add(s, platformtest.Body)
	}
	known, unknowable := stripe.NewVerifier([]string{platformtest.FuzzKnown}, 0), stripe.NewVerifier([]string{platformtest.FuzzUnknowable}, 0)
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		r := platform.Request{Header: http.Header{"Stripe-Signature": {header}}, Body: body, Now: platformtest.Now}
		if !platformtest.CheckFuzz(t, known, unknowable, r) {
			return
		}
		// Oracle: some t item and some v1 item, which must be the HMAC of
		// "<t>.<body>" for that exact t.
		items := strings.Split(header, ",")
		for _, ti := range items {
			tv, ok := strings.CutPrefix(strings.Trim(ti, " \t"), "t=")
			if !ok {
				continue
			}
			want := hex.EncodeToString(platformtest.OracleMAC([]byte(platformtest.FuzzKnown), tv, ".", string(body)))
			for _, si := range items {
				if strings.EqualFold(strings.Trim(si, " \t"), "v1="+want) {
					return
				}
			}
		}
		t.Fatalf("accepted without a valid v1: %q", header)
	})
}
