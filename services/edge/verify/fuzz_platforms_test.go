package verify

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // oracle of Intercom's and Twilio's scheme
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platforms/bitbucket"
	"github.com/hookmesh/hookmesh/services/internal/platforms/gitlab"
	"github.com/hookmesh/hookmesh/services/internal/platforms/intercom"
	"github.com/hookmesh/hookmesh/services/internal/platforms/linear"
	"github.com/hookmesh/hookmesh/services/internal/sources"
)

// Fuzz targets of the parsers added for the breadth presets, with the same
// two properties as fuzz_test.go: no input panics or fails with anything
// but an *Error, nothing verifies under a random secret, and (where an
// independent oracle is short enough to write here) whatever verifies under
// the known secret carries a signature the oracle finds.

func FuzzLinear(f *testing.F) {
	f.Add(linear.Signature(fuzzKnown, linearBody), linearBody)
	f.Add(linear.Signature(fuzzKnown, []byte(`{"webhookTimestamp":1e3}`)), []byte(`{"webhookTimestamp":1e3}`))
	f.Add("", []byte(`{}`))
	known, unknowable := linear.NewVerifier([]string{fuzzKnown}, 0), linear.NewVerifier([]string{fuzzUnknowable}, 0)
	f.Fuzz(func(t *testing.T, sig string, body []byte) {
		r := Request{Header: http.Header{"Linear-Signature": {sig}}, Body: body, Now: testNow}
		if !checkFuzz(t, known, unknowable, r) {
			return
		}
		if !strings.EqualFold(sig, hex.EncodeToString(oracleMAC([]byte(fuzzKnown), string(body)))) {
			t.Fatalf("accepted %q", sig)
		}
	})
}

// FuzzHubSignatureHeaders covers the single-value headers of Bitbucket,
// Intercom and GitLab with one input (Square's FuzzHeader is in its
// package).
func FuzzHubSignatureHeaders(f *testing.F) {
	for _, s := range []string{
		bitbucket.Signature(fuzzKnown, testBody), intercom.Signature(fuzzKnown, testBody),
		fuzzKnown, "sha1=", "sha256=zz", "",
	} {
		f.Add(s, testBody)
	}
	type pair struct {
		name, header      string
		known, unknowable Verifier
		oracle            func(v string, body []byte) bool
	}
	pairs := []pair{
		{"bitbucket", "X-Hub-Signature", bitbucket.NewVerifier([]string{fuzzKnown}), bitbucket.NewVerifier([]string{fuzzUnknowable}), func(v string, b []byte) bool {
			return strings.EqualFold(v, "sha256="+hex.EncodeToString(oracleMAC([]byte(fuzzKnown), string(b)))) && strings.HasPrefix(v, "sha256=")
		}},
		{"intercom", "X-Hub-Signature", intercom.NewVerifier([]string{fuzzKnown}), intercom.NewVerifier([]string{fuzzUnknowable}), func(v string, b []byte) bool {
			m := hmac.New(sha1.New, []byte(fuzzKnown))
			m.Write(b)
			return strings.EqualFold(v, "sha1="+hex.EncodeToString(m.Sum(nil))) && strings.HasPrefix(v, "sha1=")
		}},
		{"gitlab", "X-Gitlab-Token", gitlab.NewVerifier([]string{fuzzKnown}), gitlab.NewVerifier([]string{fuzzUnknowable}), func(v string, _ []byte) bool {
			return v == fuzzKnown
		}},
	}
	f.Fuzz(func(t *testing.T, value string, body []byte) {
		for _, p := range pairs {
			r := Request{Header: http.Header{p.header: {value}}, Body: body, Now: testNow, URL: testURL}
			if checkFuzz(t, p.known, p.unknowable, r) && !p.oracle(value, body) {
				t.Fatalf("%s accepted %q", p.name, value)
			}
		}
	})
}

func FuzzGenericHeader(f *testing.F) {
	src := sources.Source{Name: "fz", Signature: sources.Signature{
		Header: "Sig", Algorithm: "hmac-sha256", Encoding: "base64", Prefix: "v1=",
		Content: "{timestamp}.{body}", TimestampHeader: "Ts",
	}}
	good, _ := SignGeneric(src, fuzzKnown, SignInput{Now: testNow, Body: testBody})
	f.Add(good.Get("Sig"), good.Get("Ts"), testBody)
	f.Add("v1=AAAA,v1=,"+good.Get("Sig"), good.Get("Ts"), testBody)
	f.Add(strings.Repeat(" ", 100), "", testBody)
	known, _ := Generic(src, []string{fuzzKnown})
	unknowable, _ := Generic(src, []string{fuzzUnknowable})
	f.Fuzz(func(t *testing.T, sig, ts string, body []byte) {
		r := Request{Header: http.Header{"Sig": {sig}, "Ts": {ts}}, Body: body, Now: testNow}
		if !checkFuzz(t, known, unknowable, r) {
			return
		}
		want := "v1=" + base64.StdEncoding.EncodeToString(oracleMAC([]byte(fuzzKnown), ts, ".", string(body)))
		wantRaw := strings.TrimRight(want, "=")
		wantURL := strings.NewReplacer("+", "-", "/", "_").Replace(want)
		for _, e := range strings.FieldsFunc(sig, func(c rune) bool { return c == ' ' || c == '\t' || c == ',' }) {
			if e == want || e == wantRaw || e == wantURL || e == strings.TrimRight(wantURL, "=") {
				return
			}
		}
		t.Fatalf("accepted %q at %q", sig, ts)
	})
}
