package lemonsqueezy_test

import (
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platforms/lemonsqueezy"
)

// Lemon Squeezy publishes no test vector. vectorSig is HMAC-SHA256 of
// platformtest.Body under "hookmesh-ls-secret", computed with
// `openssl dgst -sha256 -hmac hookmesh-ls-secret`.
const vectorSig = "bae1c5458a5a7dbd3a8310c424ffbfd0a954d1052b7ed3820613a145a70ffd69"

func TestIndependentVector(t *testing.T) {
	t.Parallel()
	if got := lemonsqueezy.Scheme.Signature("hookmesh-ls-secret", platformtest.Body); got != vectorSig {
		t.Errorf("Signature = %s, want %s", got, vectorSig)
	}
}

func mac(secret string, body []byte) string {
	return hex.EncodeToString(platformtest.OracleMAC([]byte(secret), string(body)))
}

func TestVerify(t *testing.T) {
	t.Parallel()
	v, err := lemonsqueezy.Platform.NewVerifier([]string{"secret-a", "secret-b"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	good := mac("secret-a", platformtest.Body)
	h := func(v string) http.Header { return platformtest.H("X-Signature", v) }
	platformtest.RunCases(t, v, []platformtest.Case{
		{Name: "valid", Header: h(good)},
		{Name: "rotated secret", Header: h(mac("secret-b", platformtest.Body))},
		{Name: "lower-case header name", Header: http.Header{"x-signature": {good}}},
		{Name: "tampered body", Header: h(good), Body: platformtest.TamperedBody, Want: sig.ReasonNoMatch},
		{Name: "wrong secret", Header: h(mac("secret-c", platformtest.Body)), Want: sig.ReasonNoMatch},
		{Name: "missing header", Header: platformtest.H("X-Event-Name", "order_created"), Want: "missing X-Signature header"},
		{Name: "short", Header: h(good[:62]), Want: sig.ReasonMalformed},
		{Name: "not hex", Header: h(good[:62] + "zz"), Want: sig.ReasonMalformed},
		{Name: "prefixed", Header: h("sha256=" + good), Want: sig.ReasonMalformed},
	})
}

// TestEventNameHeader: a body without meta.event_name takes the type from
// X-Event-Name; one with it keeps its own.
func TestEventNameHeader(t *testing.T) {
	t.Parallel()
	ev, err := platformtest.Normalize(lemonsqueezy.Platform, map[string]string{"x-event-name": "order_refunded"}, []byte(`{"data":{"type":"orders","id":"1","attributes":{}}}`), platformtest.ReceivedAt)
	if err != nil || ev.GetSourceEventType() != "order_refunded" {
		t.Fatalf("Normalize = %v, %v", ev, err)
	}
	ev, err = platformtest.Normalize(lemonsqueezy.Platform, map[string]string{"x-event-name": "order_refunded"}, []byte(`{"meta":{"event_name":"order_created"}}`), platformtest.ReceivedAt)
	if err != nil || ev.GetSourceEventType() != "order_created" {
		t.Fatalf("Normalize = %v, %v", ev, err)
	}
	if _, err := platformtest.Normalize(lemonsqueezy.Platform, nil, []byte(`{"meta":{}}`), platformtest.ReceivedAt); err == nil {
		t.Error("an event with no name normalized")
	}
}

// FuzzHeader holds platformtest.CheckFuzz's properties for the X-Signature
// value, with crypto/hmac as the oracle.
func FuzzHeader(f *testing.F) {
	valid := mac(platformtest.FuzzKnown, platformtest.Body)
	platformtest.FuzzHeaderValue(f, lemonsqueezy.Platform, "X-Signature", nil,
		[]string{valid, strings.ToUpper(valid), "sha256=" + valid, valid[:63], "", "zz"},
		func(value string, body []byte) bool {
			return strings.EqualFold(value, mac(platformtest.FuzzKnown, body))
		})
}
