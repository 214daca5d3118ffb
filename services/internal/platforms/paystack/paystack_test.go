package paystack_test

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platforms/paystack"
)

// Paystack publishes no test vector. vectorSig is HMAC-SHA512 of
// platformtest.Body under "sk_test_hookmesh", computed with
// `openssl dgst -sha512 -hmac sk_test_hookmesh`, an implementation
// independent of this package.
const vectorSig = "1edd8d937d929589f31658f348a29dc8c29f97759e6a3eb09251a8d069d042d6d0b62f3eed9cd9cdeb8c4c42b3ecd2a01b56cf681edaaae5df2db19448be1dc6"

func TestIndependentVector(t *testing.T) {
	t.Parallel()
	if got := paystack.Scheme.Signature("sk_test_hookmesh", platformtest.Body); got != vectorSig {
		t.Errorf("Signature = %s, want %s", got, vectorSig)
	}
}

func oracle(secret string, body []byte) string {
	m := hmac.New(sha512.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func TestVerify(t *testing.T) {
	t.Parallel()
	v, err := paystack.Platform.NewVerifier([]string{"sk_test_a", "sk_test_b"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	good := oracle("sk_test_a", platformtest.Body)
	sha256Sized := hex.EncodeToString(platformtest.OracleMAC([]byte("sk_test_a"), string(platformtest.Body)))
	h := func(v string) http.Header { return platformtest.H("X-Paystack-Signature", v) }
	platformtest.RunCases(t, v, []platformtest.Case{
		{Name: "valid", Header: h(good)},
		{Name: "rotated secret", Header: h(oracle("sk_test_b", platformtest.Body))},
		{Name: "upper-case hex", Header: h(strings.ToUpper(good))},
		{Name: "lower-case header name", Header: http.Header{"x-paystack-signature": {good}}},
		{Name: "tampered body", Header: h(good), Body: platformtest.TamperedBody, Want: sig.ReasonNoMatch},
		{Name: "wrong secret", Header: h(oracle("sk_test_c", platformtest.Body)), Want: sig.ReasonNoMatch},
		{Name: "missing header", Header: platformtest.H("X-Other", good), Want: "missing X-Paystack-Signature header"},
		{Name: "HMAC-SHA256 is not Paystack's", Header: h(sha256Sized), Want: sig.ReasonMalformed},
		{Name: "short", Header: h(good[:126]), Want: sig.ReasonMalformed},
		{Name: "not hex", Header: h(good[:126] + "zz"), Want: sig.ReasonMalformed},
		{Name: "t=,v1= header is not Paystack's", Header: h("t=1700000000,v1=k1:" + good), Want: sig.ReasonMalformed},
	})
}

func TestKeyIsTheContent(t *testing.T) {
	t.Parallel()
	a, err := paystack.Platform.Key(nil, []byte(`{"event":"charge.success","data":{"id":1}}`))
	if err != nil || a != eventid.ContentKey([]byte(`{"event":"charge.success","data":{"id":1}}`)) {
		t.Fatalf("Key = %+v, %v", a, err)
	}
	b, _ := paystack.Platform.Key(nil, []byte(`{"event":"refund.processed","data":{"id":1}}`))
	if a == b {
		t.Error("two events of one transaction share a key")
	}
}

// FuzzHeader holds platformtest.CheckFuzz's properties for the
// x-paystack-signature value, with crypto/hmac as the oracle.
func FuzzHeader(f *testing.F) {
	valid := oracle(platformtest.FuzzKnown, platformtest.Body)
	platformtest.FuzzHeaderValue(f, paystack.Platform, "X-Paystack-Signature", nil,
		[]string{valid, strings.ToUpper(valid), "sha512=" + valid, valid[:127], "", "zz"},
		func(value string, body []byte) bool {
			return strings.EqualFold(value, oracle(platformtest.FuzzKnown, body))
		})
}
