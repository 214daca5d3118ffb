package coinbase_test

import (
	"encoding/hex"
	"io/fs"
	"net/http"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platforms/coinbase"
)

// The official SDKs' vector (coinbase-commerce-node
// test/testWebhook.spec.js, coinbase-commerce-php tests/WebhookTest.php):
// the payload is testdata/normalize/sdk_test_charge_created.json, byte for
// byte.
const (
	vectorSecret = "30291a20-0bd1-4267-9b0f-e6e7b123c0bf"
	vectorWrong  = "30291a20-0bd1-4267-9b0f-e6e7b123c0bg"
	vectorSig    = "8be7742c7d372f08a6a3224edadf18a22b65fa9e28f3f2de97376cdaa092590d"
)

func TestPublishedVector(t *testing.T) {
	t.Parallel()
	body, err := fs.ReadFile(coinbase.Platform.TestData, "testdata/normalize/sdk_test_charge_created.json")
	if err != nil {
		t.Fatal(err)
	}
	if got := coinbase.Scheme.Signature(vectorSecret, body); got != vectorSig {
		t.Errorf("Signature = %s, want %s", got, vectorSig)
	}
	r := platform.Request{Header: platformtest.H("X-CC-Webhook-Signature", vectorSig), Body: body}
	good, _ := coinbase.Platform.NewVerifier([]string{vectorSecret}, 0)
	platformtest.CheckErr(t, good.Verify(r), "")
	wrong, _ := coinbase.Platform.NewVerifier([]string{vectorWrong}, 0)
	platformtest.CheckErr(t, wrong.Verify(r), sig.ReasonNoMatch)
	k, err := coinbase.Platform.Key(nil, body)
	if err != nil || k.EventID != "24934862-d980-46cb-9402-43c81b0cdba6" {
		t.Errorf("Key = %+v, %v", k, err)
	}
}

func mac(secret string, body []byte) string {
	return hex.EncodeToString(platformtest.OracleMAC([]byte(secret), string(body)))
}

func TestVerify(t *testing.T) {
	t.Parallel()
	v, err := coinbase.Platform.NewVerifier([]string{"secret-a", "secret-b"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	good := mac("secret-a", platformtest.Body)
	h := func(v string) http.Header { return platformtest.H("X-CC-Webhook-Signature", v) }
	platformtest.RunCases(t, v, []platformtest.Case{
		{Name: "valid", Header: h(good)},
		{Name: "rotated secret", Header: h(mac("secret-b", platformtest.Body))},
		{Name: "lower-case header name", Header: http.Header{"x-cc-webhook-signature": {good}}},
		{Name: "tampered body", Header: h(good), Body: platformtest.TamperedBody, Want: sig.ReasonNoMatch},
		{Name: "wrong secret", Header: h(mac("secret-c", platformtest.Body)), Want: sig.ReasonNoMatch},
		{Name: "missing header", Header: platformtest.H("X-Other", good), Want: "missing X-CC-Webhook-Signature header"},
		{Name: "short", Header: h(good[:62]), Want: sig.ReasonMalformed},
		{Name: "not hex", Header: h(good[:62] + "zz"), Want: sig.ReasonMalformed},
	})
}

// TestKeySurvivesRetry: a retry changes attempt_number (the body) and
// keeps event.id (the key).
func TestKeySurvivesRetry(t *testing.T) {
	t.Parallel()
	first, err1 := coinbase.Platform.Key(nil, []byte(`{"id":1,"attempt_number":1,"event":{"id":"e-1","type":"charge:confirmed"}}`))
	retry, err2 := coinbase.Platform.Key(nil, []byte(`{"id":1,"attempt_number":2,"event":{"id":"e-1","type":"charge:confirmed"}}`))
	if err1 != nil || err2 != nil || first != retry || first.EventID != "e-1" {
		t.Errorf("keys %+v (%v), %+v (%v)", first, err1, retry, err2)
	}
	for _, body := range []string{`{"id":1}`, `{"event":{}}`, `{"event":{"id":7}}`, `not json`} {
		if _, err := coinbase.Platform.Key(nil, []byte(body)); err == nil {
			t.Errorf("Key(%s) succeeded", body)
		}
	}
	k, _ := coinbase.Platform.Key(nil, []byte("{\"event\":{\"id\":\"a\\u00e9\xff\"}}"))
	if k.EventID != eventid.Encode("a\u00e9\xff") {
		t.Errorf("Key kept %q, want the exact bytes encoded", k.EventID)
	}
}

// FuzzHeader holds platformtest.CheckFuzz's properties for the
// X-CC-Webhook-Signature value, with crypto/hmac as the oracle.
func FuzzHeader(f *testing.F) {
	valid := mac(platformtest.FuzzKnown, platformtest.Body)
	platformtest.FuzzHeaderValue(f, coinbase.Platform, "X-CC-Webhook-Signature", nil,
		[]string{valid, strings.ToUpper(valid), valid[:63], "", "zz"},
		func(value string, body []byte) bool {
			return strings.EqualFold(value, mac(platformtest.FuzzKnown, body))
		})
}
