package sig_test

import (
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

// tv1 is a TV1 scheme under a test header.
var tv1 = sig.TV1{Platform: "tv1", Header: "Signature"}

func TestTV1Sign(t *testing.T) {
	t.Parallel()
	// HMAC-SHA256("SuperSecret123", `1565125718.{"test":"body"}`), Mux's
	// published vector (mux-node-sdk tests/api-resources/webhooks.test.ts).
	const want = "t=1565125718,v1=854ece4c22acef7c66b57d4e504153bc512595e8e9c772ece2a68150548c19a7"
	if got := tv1.Signature("SuperSecret123", time.Unix(1565125718, 0), []byte(`{"test":"body"}`)); got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestTV1Options(t *testing.T) {
	t.Parallel()
	// Paddle's spelling in milliseconds, with its own reasons.
	s := sig.TV1{
		Platform: "opt", Header: "Signature", Millis: true, TimeKey: "ts", SigKey: "h1", ItemSep: ";", JoinSep: "; ",
		PayloadSep: ":", MissingHeader: "missing it", NoSig: "no h1 signature", NoMatch: "no h1 match",
	}
	const secret = "k"
	body := []byte("body")
	ms := platformtest.Now.UnixMilli()
	want := "ts=" + strconv.FormatInt(ms, 10) + "; h1=" + hex.EncodeToString(platformtest.OracleMAC([]byte(secret), strconv.FormatInt(ms, 10), ":", "body"))
	if got := s.Signature(secret, platformtest.Now, body); got != want {
		t.Fatalf("Signature = %s, want %s", got, want)
	}
	hdr := func(name, value, want string) platformtest.Case {
		return platformtest.Case{Name: name, Header: platformtest.H("Signature", value), Body: body, Want: want}
	}
	platformtest.RunCases(t, s.Verifier([]string{secret}, time.Minute), []platformtest.Case{
		hdr("valid", want, ""),
		hdr("seconds where milliseconds are sent", "ts="+strconv.FormatInt(platformtest.Now.Unix(), 10)+";h1="+strings.Repeat("0", 64), sig.ReasonTooOld),
		hdr("no h1", "ts=1", "no h1 signature"),
		hdr("wrong h1", "ts="+strconv.FormatInt(ms, 10)+";h1="+strings.Repeat("0", 64), "no h1 match"),
		hdr("Stripe's spelling", "t=1,v1="+strings.Repeat("0", 64), sig.ReasonNoTimestamp),
		{Name: "no header", Body: body, Want: "missing it"},
	})
}

func TestParseTV1(t *testing.T) {
	t.Parallel()
	good := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		h, t   string
		sigs   int
		reason string
	}{
		{h: "t=1,v1=" + good, t: "1", sigs: 1},
		{h: " t=1 ,\tv1=" + good + ",v1=" + good + ",v2=" + good, t: "1", sigs: 2},
		{h: "v1=" + good + ",t=007", t: "007", sigs: 1},
		{h: "t=1,v1=" + good[2:], reason: sig.ReasonNoV1},
		{h: "t=1", reason: sig.ReasonNoV1},
		{h: "v1=" + good, reason: sig.ReasonNoTimestamp},
		{h: "t=1,t=1,v1=" + good, reason: sig.ReasonMalformed},
		{h: "t=-1,v1=" + good, reason: sig.ReasonBadTimestamp},
		{h: "t=1,,v1=" + good, reason: sig.ReasonMalformed},
		{h: "", reason: sig.ReasonMalformed},
		{h: "t=1" + strings.Repeat(",x=", sig.MaxEntries), reason: sig.ReasonTooMany},
	} {
		ts, sigs, reason := sig.ParseTV1(tc.h, 32)
		if ts != tc.t || len(sigs) != tc.sigs || reason != tc.reason {
			t.Errorf("ParseTV1(%q) = %q, %d signatures, %q; want %q, %d, %q", tc.h, ts, len(sigs), reason, tc.t, tc.sigs, tc.reason)
		}
	}
}

// FuzzTV1 holds platformtest.CheckFuzz's properties for TV1, with an
// oracle of its own.
func FuzzTV1(f *testing.F) {
	valid := tv1.Signature(platformtest.FuzzKnown, platformtest.Now, platformtest.Body)
	_, v1, _ := strings.Cut(valid, ",v1=")
	for _, s := range []string{
		valid,
		" " + valid + " ",
		"v2=" + v1 + ",t=1700000000,v1=" + v1,
		"t=1700000000,t=1700000001,v1=" + v1,
		"t=1700000000,v1=" + v1[:62],
		"t=-1,v1=" + v1,
		"t=1700000000,v1=" + v1 + strings.Repeat(",x", 16),
		"t", "v1", ",,", "t=1700000000,=",
	} {
		f.Add(s, platformtest.Body)
	}
	known := tv1.Verifier([]string{platformtest.FuzzKnown}, 5*time.Minute)
	unknowable := tv1.Verifier([]string{platformtest.FuzzUnknowable}, 5*time.Minute)
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		r := platform.Request{Header: http.Header{"Signature": {header}}, Body: body, Now: platformtest.Now}
		if !platformtest.CheckFuzz(t, known, unknowable, r) {
			return
		}
		// Oracle: among the t values and the v1 values, a pair where v1
		// is the HMAC of "<t>.<body>".
		var stamps, macs []string
		for _, item := range strings.Split(header, ",") {
			switch k, v, _ := strings.Cut(strings.TrimSpace(item), "="); k {
			case "t":
				stamps = append(stamps, v)
			case "v1":
				macs = append(macs, strings.ToLower(v))
			}
		}
		for _, ts := range stamps {
			if slices.Contains(macs, hex.EncodeToString(platformtest.OracleMAC([]byte(platformtest.FuzzKnown), ts, ".", string(body)))) {
				return
			}
		}
		t.Fatalf("accepted without a valid v1: %q", header)
	})
}
