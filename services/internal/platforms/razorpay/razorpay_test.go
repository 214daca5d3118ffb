package razorpay_test

import (
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platforms/razorpay"
)

// The published vector of razorpay-node's validateWebhookSignature test
// (test/utils/razorpay-utils.spec.js).
const (
	vectorBody   = `{"a":1,"b":2,"c":{"d":3}}`
	vectorSecret = "123456"
	vectorSig    = "2fe04e22977002e6c7cb553adab8b460cb9e2a4970d5953cb27a8472752e3bbc"
)

func TestPublishedVector(t *testing.T) {
	t.Parallel()
	if got := razorpay.Scheme.Signature(vectorSecret, []byte(vectorBody)); got != vectorSig {
		t.Errorf("Signature = %s, want %s", got, vectorSig)
	}
	v, err := razorpay.Platform.NewVerifier([]string{vectorSecret}, 0)
	if err != nil {
		t.Fatal(err)
	}
	r := platform.Request{Header: platformtest.H("X-Razorpay-Signature", vectorSig), Body: []byte(vectorBody)}
	platformtest.CheckErr(t, v.Verify(r), "")
	r.Body = []byte(`{"a":1,"b":2,"c":{"d":4}}`)
	platformtest.CheckErr(t, v.Verify(r), sig.ReasonNoMatch)
}

func TestVerify(t *testing.T) {
	t.Parallel()
	v, err := razorpay.Platform.NewVerifier([]string{"secret-a", "", "secret-b"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	good := razorpay.Scheme.Signature("secret-a", platformtest.Body)
	rotated := razorpay.Scheme.Signature("secret-b", platformtest.Body)
	h := func(v string) http.Header { return platformtest.H("X-Razorpay-Signature", v) }
	platformtest.RunCases(t, v, []platformtest.Case{
		{Name: "valid", Header: h(good)},
		{Name: "rotated secret", Header: h(rotated)},
		{Name: "upper-case hex", Header: h(strings.ToUpper(good))},
		{Name: "lower-case header name", Header: http.Header{"x-razorpay-signature": {good}}},
		{Name: "tampered body", Header: h(good), Body: platformtest.TamperedBody, Want: sig.ReasonNoMatch},
		{Name: "wrong secret", Header: h(razorpay.Scheme.Signature("secret-c", platformtest.Body)), Want: sig.ReasonNoMatch},
		{Name: "empty secret never signs", Header: h(razorpay.Scheme.Signature("", platformtest.Body)), Want: sig.ReasonNoMatch},
		{Name: "missing header", Header: platformtest.H("X-Other", good), Want: "missing X-Razorpay-Signature header"},
		{Name: "short", Header: h(good[:62]), Want: sig.ReasonMalformed},
		{Name: "long", Header: h(good + "00"), Want: sig.ReasonMalformed},
		{Name: "not hex", Header: h(good[:62] + "zz"), Want: sig.ReasonMalformed},
		{Name: "prefixed", Header: h("sha256=" + good), Want: sig.ReasonMalformed},
		{Name: "white space", Header: h(" " + good), Want: sig.ReasonMalformed},
		{Name: "base64 of the right MAC", Header: h(b64(good)), Want: sig.ReasonMalformed},
	})
}

func TestNoSecrets(t *testing.T) {
	t.Parallel()
	v, _ := razorpay.Platform.NewVerifier([]string{""}, 0)
	r := platform.Request{Header: platformtest.H("X-Razorpay-Signature", razorpay.Scheme.Signature("", platformtest.Body)), Body: platformtest.Body}
	platformtest.CheckErr(t, v.Verify(r), sig.ReasonNoSecrets)
}

func TestKey(t *testing.T) {
	t.Parallel()
	k, err := razorpay.Platform.Key(map[string]string{"x-razorpay-event-id": "evt_Fz3mQ9xL2kP001"}, []byte(`{}`))
	if err != nil || k.EventID != "evt_Fz3mQ9xL2kP001" || k.Source != "" {
		t.Errorf("Key = %+v, %v", k, err)
	}
	if _, err := razorpay.Platform.Key(map[string]string{}, []byte(`{"id":"evt_1"}`)); err == nil {
		t.Error("Key without the header succeeded: the body has no event id to take instead")
	}
}

// FuzzHeader holds platformtest.CheckFuzz's properties for the
// X-Razorpay-Signature value, with crypto/hmac as the oracle.
func FuzzHeader(f *testing.F) {
	valid := razorpay.Scheme.Signature(platformtest.FuzzKnown, platformtest.Body)
	platformtest.FuzzHeaderValue(f, razorpay.Platform, "X-Razorpay-Signature", nil,
		[]string{valid, strings.ToUpper(valid), "sha256=" + valid, valid[:63], "", "zz"},
		func(value string, body []byte) bool {
			return strings.EqualFold(value, hex.EncodeToString(platformtest.OracleMAC([]byte(platformtest.FuzzKnown), string(body))))
		})
}

func b64(hexMAC string) string {
	b, _ := hex.DecodeString(hexMAC)
	return base64.StdEncoding.EncodeToString(b)
}
