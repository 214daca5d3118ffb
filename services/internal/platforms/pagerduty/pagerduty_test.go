package pagerduty_test

import (
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platforms/pagerduty"
)

// The published test vector of go-pagerduty (webhookv3/webhookv3_test.go,
// TestVerifySignature "valid"): a real subscription secret, a v3 body and
// the signature PagerDuty computed for them.
const (
	vectorSecret    = "lDQHScfUeXUKaQRNF+8XIiDKZ7XX3itBAYzwU0TARw8lJqRnkKl2iB1anSb0Z+IK"
	vectorSignature = "v1=0c0b9495b893a39e70d1fea2fe11fbe0a825f88b9f67846f6cc07dd2bc5476cd"
	// vectorMismatch is the vector's "mismatch" signature: valid hex, not
	// the body's.
	vectorMismatch = "v1=7020c8a7ec668a9b7012bc3dd82e483394b038f4230acc6785efbf2a7d8bcaf5"
	vectorBody     = `{"event":{"id":"01BWDWL3NYY7LUFPZCC28QUCMK","event_type":"incident.priority_updated","resource_type":"incident","occurred_at":"2021-04-26T17:36:27.458Z","agent":{"html_url":"https://acme.pagerduty.com/users/PLH1HKV","id":"PLH1HKV","self":"https://api.pagerduty.com/users/PLH1HKV","summary":"Tenex Engineer","type":"user_reference"},"client":null,"data":{"id":"PGR0VU2","type":"incident","self":"https://api.pagerduty.com/incidents/PGR0VU2","html_url":"https://acme.pagerduty.com/incidents/PGR0VU2","number":2,"status":"triggered","title":"A little bump in the road","service":{"html_url":"https://acme.pagerduty.com/services/PF9KMXH","id":"PF9KMXH","self":"https://api.pagerduty.com/services/PF9KMXH","summary":"API Service","type":"service_reference"},"assignees":[{"html_url":"https://acme.pagerduty.com/users/PTUXL6G","id":"PTUXL6G","self":"https://api.pagerduty.com/users/PTUXL6G","summary":"User 123","type":"user_reference"}],"escalation_policy":{"html_url":"https://acme.pagerduty.com/escalation_policies/PUS0KTE","id":"PUS0KTE","self":"https://api.pagerduty.com/escalation_policies/PUS0KTE","summary":"Default","type":"escalation_policy_reference"},"teams":[{"html_url":"https://acme.pagerduty.com/teams/PFCVPS0","id":"PFCVPS0","self":"https://api.pagerduty.com/teams/PFCVPS0","summary":"Engineering","type":"team_reference"}],"priority":{"html_url":"https://acme.pagerduty.com/account/incident_priorities","id":"PSO75BM","self":"https://api.pagerduty.com/priorities/PSO75BM","summary":"P1","type":"priority_reference"},"urgency":"high","conference_bridge":{"conference_number":1000,"conference_url":"https://example.com"},"resolve_reason":null}}}`
)

func TestPublishedVector(t *testing.T) {
	t.Parallel()
	if got := pagerduty.Signature([]byte(vectorBody), vectorSecret); got != vectorSignature {
		t.Errorf("Signature = %s, want %s", got, vectorSignature)
	}
	v := pagerduty.NewVerifier([]string{vectorSecret})
	body := []byte(vectorBody)
	sh := func(name, value, want string) platformtest.Case {
		return platformtest.Case{Name: name, Header: platformtest.H("X-PagerDuty-Signature", value), Body: body, Want: want}
	}
	platformtest.RunCases(t, v, []platformtest.Case{
		sh("vector: valid", vectorSignature, ""),
		sh("vector: mismatch", vectorMismatch, "no v1 match"),
		sh("vector: mismatch then valid (rotation)", vectorMismatch+","+vectorSignature, ""),
	})
}

func TestVerify(t *testing.T) {
	t.Parallel()
	const secret, rotated = "pd-secret-primary", "pd-secret-rotated"
	v := pagerduty.NewVerifier([]string{secret, rotated})
	valid := pagerduty.Signature(platformtest.Body, secret)
	v1 := strings.TrimPrefix(valid, "v1=")
	wrong := "v1=" + strings.Repeat("0", 64)
	sh := func(name, value, want string) platformtest.Case {
		return platformtest.Case{Name: name, Header: platformtest.H("X-PagerDuty-Signature", value), Want: want}
	}
	platformtest.RunCases(t, v, []platformtest.Case{
		sh("valid", valid, ""),
		sh("rotation: second secret", pagerduty.Signature(platformtest.Body, rotated), ""),
		sh("rotation: both secrets signed", pagerduty.Signature(platformtest.Body, "old-secret", secret), ""),
		{Name: "tampered body", Header: platformtest.H("X-PagerDuty-Signature", valid), Body: platformtest.TamperedBody, Want: "no v1 match"},
		sh("wrong secret", pagerduty.Signature(platformtest.Body, "someone-else"), "no v1 match"),
		{Name: "missing header", Header: platformtest.H("X-Other", valid), Want: "missing X-PagerDuty-Signature header"},
		sh("no scheme", v1, "no v1 signature"),
		sh("garbage", "garbage", "no v1 signature"),
		sh("v0 with the right digest is ignored", "v0="+v1, "no v1 signature"),
		sh("scheme names are case-sensitive", "V1="+v1, "no v1 signature"),
		sh("short v1 ignored", valid[:len(valid)-1], "no v1 signature"),
		sh("non-hex v1 ignored", valid[:len(valid)-2]+"zz", "no v1 signature"),
		sh("upper-case hex decodes to the same bytes", "v1="+strings.ToUpper(v1), ""),
		sh("several v1, last matches", wrong+","+valid, ""),
		sh("several v1, none matches", wrong+","+wrong, "no v1 match"),
		sh("unknown entries beside a good v1", "v2=abc,"+valid+",junk", ""),
		sh("spaces around entries (the docs wrap the header)", wrong+", \t"+valid+" ", ""),
		sh("empty entries are skipped", ","+valid+",", ""),
		sh("space inside an entry", "v1= "+v1, "no v1 signature"),
		sh("sig.MaxEntries entries", strings.Repeat(wrong+",", sig.MaxEntries-1)+valid, ""),
		sh("too many entries", strings.Repeat(wrong+",", sig.MaxEntries)+valid, sig.ReasonTooMany),
	})
}

// FuzzHeader holds platformtest.CheckFuzz's properties for the
// X-PagerDuty-Signature parser, with an oracle of its own: an accepted
// header holds, between commas, "v1=" and the hex HMAC of the body.
func FuzzHeader(f *testing.F) {
	valid := pagerduty.Signature(platformtest.Body, platformtest.FuzzKnown)
	for _, s := range []string{
		valid,
		"v1=" + strings.Repeat("0", 64) + "," + valid,
		" " + valid + " ,",
		"v0=" + strings.TrimPrefix(valid, "v1="),
		strings.ToUpper(valid),
		valid + strings.Repeat(",v1=", 20),
		"", ",", "v1=", "garbage",
	} {
		f.Add(s, platformtest.Body)
	}
	known := pagerduty.NewVerifier([]string{platformtest.FuzzKnown})
	unknowable := pagerduty.NewVerifier([]string{platformtest.FuzzUnknowable})
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		r := platform.Request{Header: http.Header{"X-Pagerduty-Signature": {header}}, Body: body}
		if !platformtest.CheckFuzz(t, known, unknowable, r) {
			return
		}
		want := "v1=" + hex.EncodeToString(platformtest.OracleMAC([]byte(platformtest.FuzzKnown), string(body)))
		for _, item := range strings.Split(header, ",") {
			if v, ok := strings.CutPrefix(strings.Trim(item, " \t"), "v1="); ok && strings.EqualFold("v1="+v, want) {
				return
			}
		}
		t.Fatalf("accepted without a valid v1: %q", header)
	})
}

// TestKey: X-Webhook-Id (scoped by the subscription) when sent, else the
// body's event.id, which PagerDuty keeps across attempts too.
func TestKey(t *testing.T) {
	t.Parallel()
	body := []byte(vectorBody)
	k, err := pagerduty.Platform.Key(map[string]string{"x-webhook-id": "b9fd3a14", "x-webhook-subscription": "PY1OL64"}, body)
	if err != nil || k.EventID != "b9fd3a14" || k.Source != "PY1OL64" {
		t.Errorf("Key with headers = %+v, %v", k, err)
	}
	k, err = pagerduty.Platform.Key(map[string]string{}, body)
	if err != nil || k.EventID != "01BWDWL3NYY7LUFPZCC28QUCMK" || k.Source != "" {
		t.Errorf("Key from the body = %+v, %v", k, err)
	}
	for _, b := range []string{`{"event":{}}`, `{}`, `[]`, `not json`, `{"event":{"id":7}}`} {
		if _, err := pagerduty.Platform.Key(map[string]string{}, []byte(b)); !errors.Is(err, apperr.ErrInvalid) {
			t.Errorf("Key(%s) = %v, want ErrInvalid", b, err)
		}
	}
}
