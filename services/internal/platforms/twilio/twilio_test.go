package twilio_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platforms/twilio"
)

// Twilio's vector from "Webhooks security" (twilio.com/docs/usage/security)
// and the RequestValidator tests of twilio-php / twilio-csharp: auth token
// 12345, this URL and these parameters.
var (
	vectorURL    = "https://mycompany.com/myapp.php?foo=1&bar=2"
	vectorParams = url.Values{
		"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+14158675309"}, "Digits": {"1234"},
		"From": {"+14158675309"}, "To": {"+18005551212"},
	}
)

func req(signature, u string, body string, contentType string) platform.Request {
	hd := platformtest.H("X-Twilio-Signature", signature)
	if contentType != "" {
		hd.Set("Content-Type", contentType)
	}
	return platform.Request{Header: hd, Body: []byte(body), URL: u, Method: "POST", Now: platformtest.Now}
}

func TestVectors(t *testing.T) {
	t.Parallel()
	if got := twilio.Signature("12345", vectorURL, vectorParams); got != "RSOYDt4T1cUTdK1PDd93/VVr8B8=" {
		t.Fatalf("Signature = %q", got)
	}
	v := twilio.NewVerifier([]string{"12345"})
	form := "application/x-www-form-urlencoded"
	body := vectorParams.Encode()
	// twilio-php RequestValidatorTest: repeated parameter values are
	// signed once each, sorted.
	repeated := "Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234&Digits=1234"
	// twilio-php testValidateWithBody: a JSON body hashed into bodySHA256.
	jsonBody := `{"property": "value", "boolean": true}`
	jsonURL := vectorURL + "&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
	withPort := strings.Replace(vectorURL, ".com", ".com:1234", 1)
	run := func(name string, r platform.Request, want string) {
		t.Run(name, func(t *testing.T) { platformtest.CheckErr(t, v.Verify(r), want) })
	}
	run("documented vector", req("RSOYDt4T1cUTdK1PDd93/VVr8B8=", vectorURL, body, form), "")
	run("form without content type", req("RSOYDt4T1cUTdK1PDd93/VVr8B8=", vectorURL, body, ""), "")
	run("repeated values", req("IK+Dwps556ElfBT0I3Rgjkr1wJU=", vectorURL, repeated, form), "")
	run("JSON body with bodySHA256", req("a9nBmqA0ju/hNViExpshrM61xv4=", jsonURL, jsonBody, "application/json"), "")
	run("JSON body changed", req("a9nBmqA0ju/hNViExpshrM61xv4=", jsonURL, jsonBody+" ", "application/json"), "bodySHA256 mismatch")
	run("JSON body without bodySHA256", req("RSOYDt4T1cUTdK1PDd93/VVr8B8=", vectorURL, jsonBody, "application/json"), "body neither form-encoded nor hashed in bodySHA256")
	// twilio-php testValidateRemovesPortHttps / AddsPortHttps / AddsPortHttp.
	run("port removed", req("RSOYDt4T1cUTdK1PDd93/VVr8B8=", withPort, body, form), "")
	run("default port added (https)", req("kvajT1Ptam85bY51eRf/AJRuM3w=", vectorURL, body, form), "")
	run("default port added (http)", req("0ZXoZLH/DfblKGATFgpif+LLRf4=", strings.Replace(vectorURL, "https", "http", 1), body, form), "")
	run("parameter changed", req("RSOYDt4T1cUTdK1PDd93/VVr8B8=", vectorURL, strings.Replace(body, "1234", "9999", 1), form), "no signature match")
	run("query changed", req("RSOYDt4T1cUTdK1PDd93/VVr8B8=", vectorURL+"&x=1", body, form), "no signature match")
	run("malformed form", req("RSOYDt4T1cUTdK1PDd93/VVr8B8=", vectorURL, "a=%zz", form), "malformed form body")
	run("hex signature", req(strings.Repeat("ab", 20), vectorURL, body, form), sig.ReasonMalformed)
	run("no URL", req("RSOYDt4T1cUTdK1PDd93/VVr8B8=", "", body, form), sig.ReasonNoURL)
	run("missing header", req("", vectorURL, body, form), "missing X-Twilio-Signature header")
}

func TestKey(t *testing.T) {
	t.Parallel()
	const body = `AccountSid=AC1&MessageSid=SM1`
	for _, c := range []struct {
		name    string
		headers map[string]string
		body    string
		want    eventid.Key
	}{
		{"idempotency token", map[string]string{"i-twilio-idempotency-token": "tok"}, body, eventid.Key{Source: "AC1", EventID: "tok"}},
		{"content fallback", nil, body, eventid.Key{Source: "AC1", EventID: eventid.ContentKey([]byte(body)).EventID}},
		{"JSON account_sid", map[string]string{"i-twilio-idempotency-token": "tok"}, `{"account_sid":"AC2"}`, eventid.Key{Source: "AC2", EventID: "tok"}},
	} {
		if got, err := twilio.Platform.Key(c.headers, []byte(c.body)); err != nil || got != c.want {
			t.Errorf("%s: Key = %+v, %v; want %+v", c.name, got, err, c.want)
		}
	}
}

func FuzzHeader(f *testing.F) {
	const testURL = "https://hooks.example.com/webhooks/twilio?x=1"
	f.Add(twilio.Signature(platformtest.FuzzKnown, testURL, nil), testURL, "", "")
	f.Add(twilio.Signature(platformtest.FuzzKnown, testURL, nil), testURL+"&bodySHA256=00", "{}", "application/json")
	f.Add("RSOYDt4T1cUTdK1PDd93/VVr8B8=", "https://h:99999/x", "a=%zz;b", "application/x-www-form-urlencoded; charset=utf-8")
	f.Add("", "::", "", "")
	known, unknowable := twilio.NewVerifier([]string{platformtest.FuzzKnown}), twilio.NewVerifier([]string{platformtest.FuzzUnknowable})
	f.Fuzz(func(t *testing.T, signature, u, body, ct string) {
		r := platform.Request{Header: http.Header{"X-Twilio-Signature": {signature}, "Content-Type": {ct}}, Body: []byte(body), Now: platformtest.Now, URL: u}
		platformtest.CheckFuzz(t, known, unknowable, r)
	})
}
