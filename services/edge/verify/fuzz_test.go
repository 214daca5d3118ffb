package verify

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
)

// The fuzz targets hold the two properties platformtest.CheckFuzz
// describes, with its known secret and oracle.

const fuzzKnown = platformtest.FuzzKnown

var (
	fuzzUnknowable = platformtest.FuzzUnknowable
	oracleMAC      = platformtest.OracleMAC
	checkFuzz      = platformtest.CheckFuzz
)

func FuzzStandardHeaders(f *testing.F) {
	valid, err := SignStandard(fuzzKnown, "msg_1", testNow, testBody)
	if err != nil {
		f.Fatal(err)
	}
	b64 := strings.TrimPrefix(valid, "v1,")
	for _, s := range []string{valid, "v1a," + b64, "v1," + b64 + " " + valid, "  " + valid, strings.Repeat("v1,x ", 20) + valid, "", ","} {
		f.Add("msg_1", "1700000000", s, testBody, false)
		f.Add("msg_1", "1700000000", s, testBody, true)
	}
	f.Add("msg_1.1700000000", "", valid, testBody, false)
	known, unknowable := mustStandard(f, fuzzKnown), mustStandard(f, fuzzUnknowable)
	f.Fuzz(func(t *testing.T, id, ts, sigs string, body []byte, svix bool) {
		names := webhookNames
		if svix {
			names = svixNames
		}
		r := Request{
			Header: http.Header{names.id: {id}, names.timestamp: {ts}, names.signature: {sigs}},
			Body:   body,
			Now:    testNow,
		}
		if !checkFuzz(t, known, unknowable, r) {
			return
		}
		key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(fuzzKnown, "whsec_"))
		want := "v1," + base64.StdEncoding.EncodeToString(oracleMAC(key, id, ".", ts, ".", string(body)))
		for _, s := range strings.Split(sigs, " ") {
			if s == want {
				return
			}
		}
		t.Fatalf("accepted %q for id %q ts %q without a valid v1", sigs, id, ts)
	})
}

// FuzzStandardSecret: any secret Standard accepts must sign and verify a
// round trip; none may panic.
func FuzzStandardSecret(f *testing.F) {
	for _, s := range []string{fuzzKnown, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec_=", "", "whsec_whsec_AAAA"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, secret string) {
		v, err := Standard([]string{secret}, 0)
		if err != nil {
			if !errors.Is(err, apperr.ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if secret == "" {
			return // dropped: the verifier has no keys
		}
		sig, err := SignStandard(secret, "msg_1", testNow, testBody)
		if err != nil {
			t.Fatalf("Standard accepted %q but SignStandard: %v", secret, err)
		}
		hd := http.Header{"Webhook-Id": {"msg_1"}, "Webhook-Timestamp": {"1700000000"}, "Webhook-Signature": {sig}}
		if err := v.Verify(Request{Header: hd, Body: testBody, Now: testNow}); err != nil {
			t.Fatalf("round trip under %q: %v", secret, err)
		}
	})
}

func mustStandard(f *testing.F, secret string) Verifier {
	v, err := Standard([]string{secret}, 0)
	if err != nil {
		f.Fatal(err)
	}
	return v
}
