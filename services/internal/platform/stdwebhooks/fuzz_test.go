package stdwebhooks_test

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/stdwebhooks"
)

// FuzzHeaders holds platformtest.CheckFuzz's properties for the three
// headers, under either set of names, with an oracle of its own.
func FuzzHeaders(f *testing.F) {
	body := platformtest.Body
	valid, err := stdwebhooks.Signature(platformtest.FuzzKnown, "msg_1", platformtest.Now, body)
	if err != nil {
		f.Fatal(err)
	}
	b64 := strings.TrimPrefix(valid, "v1,")
	for _, s := range []string{valid, "v1a," + b64, "v1," + b64 + " " + valid, "  " + valid, strings.Repeat("v1,x ", 20) + valid, "", ","} {
		f.Add("msg_1", "1700000000", s, body, false)
		f.Add("msg_1", "1700000000", s, body, true)
	}
	f.Add("msg_1.1700000000", "", valid, body, false)
	known, unknowable := mustVerifier(f, platformtest.FuzzKnown), mustVerifier(f, platformtest.FuzzUnknowable)
	f.Fuzz(func(t *testing.T, id, ts, sigs string, body []byte, svix bool) {
		names := stdwebhooks.WebhookNames
		if svix {
			names = stdwebhooks.SvixNames
		}
		r := platform.Request{
			Header: http.Header{names.ID: {id}, names.Timestamp: {ts}, names.Signature: {sigs}},
			Body:   body,
			Now:    platformtest.Now,
		}
		if !platformtest.CheckFuzz(t, known, unknowable, r) {
			return
		}
		key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(platformtest.FuzzKnown, "whsec_"))
		want := "v1," + base64.StdEncoding.EncodeToString(platformtest.OracleMAC(key, id, ".", ts, ".", string(body)))
		for _, s := range strings.Split(sigs, " ") {
			if s == want {
				return
			}
		}
		t.Fatalf("accepted %q for id %q ts %q without a valid v1", sigs, id, ts)
	})
}

// FuzzSecret: any secret NewVerifier accepts must sign and verify a round
// trip; none may panic.
func FuzzSecret(f *testing.F) {
	for _, s := range []string{platformtest.FuzzKnown, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec_=", "", "whsec_whsec_AAAA"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, secret string) {
		v, err := std.NewVerifier([]string{secret}, 0)
		if err != nil {
			if !errors.Is(err, apperr.ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if secret == "" {
			return // dropped: the verifier has no keys
		}
		sig, err := stdwebhooks.Signature(secret, "msg_1", platformtest.Now, platformtest.Body)
		if err != nil {
			t.Fatalf("NewVerifier accepted %q but Signature: %v", secret, err)
		}
		hd := http.Header{"Webhook-Id": {"msg_1"}, "Webhook-Timestamp": {"1700000000"}, "Webhook-Signature": {sig}}
		if err := v.Verify(platform.Request{Header: hd, Body: platformtest.Body, Now: platformtest.Now}); err != nil {
			t.Fatalf("round trip under %q: %v", secret, err)
		}
	})
}
