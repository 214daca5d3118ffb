package mollie_test

import (
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platforms/mollie"
)

// mollie-api-php's SignatureValidatorTest signs its PAYLOAD with its own
// createSignature, so it publishes no fixed value. vectorSig is
// HMAC-SHA256 of that payload under its SIGNING_SECRET, computed with
// `openssl dgst -sha256 -hmac test_webhook_secret`.
const (
	vectorPayload = `{"id":"tr_12345","event_type":"payment-link.paid"}`
	vectorSecret  = "test_webhook_secret"
	vectorSig     = "e479a5e4aaa17db94cfc546071e10e91c0b37f21e464e751ebdd7d7ad2ffd146"
)

func TestSDKCase(t *testing.T) {
	t.Parallel()
	if got := mollie.Scheme.Signature(vectorSecret, []byte(vectorPayload)); got != "sha256="+vectorSig {
		t.Errorf("Signature = %s, want sha256=%s", got, vectorSig)
	}
	// As the SDK's tests: with and without the prefix, and among
	// several secrets during a migration.
	v, _ := mollie.Platform.NewVerifier([]string{"invalid_secret", vectorSecret, "alternate_webhook_secret"}, 0)
	for _, h := range []string{vectorSig, "sha256=" + vectorSig} {
		r := platform.Request{Header: platformtest.H("X-Mollie-Signature", h), Body: []byte(vectorPayload)}
		platformtest.CheckErr(t, v.Verify(r), "")
	}
	r := platform.Request{Header: platformtest.H("X-Mollie-Signature", "invalid_signature"), Body: []byte(vectorPayload)}
	platformtest.CheckErr(t, v.Verify(r), sig.ReasonMalformed)
}

func mac(secret string, body []byte) string {
	return hex.EncodeToString(platformtest.OracleMAC([]byte(secret), string(body)))
}

func TestVerify(t *testing.T) {
	t.Parallel()
	v, err := mollie.Platform.NewVerifier([]string{"secret-a", "secret-b"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	good := mac("secret-a", platformtest.Body)
	h := func(v string) http.Header { return platformtest.H("X-Mollie-Signature", v) }
	platformtest.RunCases(t, v, []platformtest.Case{
		{Name: "valid", Header: h("sha256=" + good)},
		{Name: "valid without prefix", Header: h(good)},
		{Name: "rotated secret", Header: h("sha256=" + mac("secret-b", platformtest.Body))},
		{Name: "lower-case header name", Header: http.Header{"x-mollie-signature": {"sha256=" + good}}},
		{Name: "tampered body", Header: h("sha256=" + good), Body: platformtest.TamperedBody, Want: sig.ReasonNoMatch},
		{Name: "wrong secret", Header: h("sha256=" + mac("secret-c", platformtest.Body)), Want: sig.ReasonNoMatch},
		{Name: "missing header (a classic webhook)", Header: platformtest.H("Content-Type", "application/x-www-form-urlencoded"), Body: []byte("id=tr_12345"), Want: "missing X-Mollie-Signature header"},
		{Name: "other prefix", Header: h("sha1=" + good), Want: sig.ReasonMalformed},
		{Name: "upper-case prefix", Header: h("SHA256=" + good), Want: sig.ReasonMalformed},
		{Name: "prefix twice", Header: h("sha256=sha256=" + good), Want: sig.ReasonMalformed},
		{Name: "short", Header: h("sha256=" + good[:62]), Want: sig.ReasonMalformed},
	})
}

// FuzzHeader holds platformtest.CheckFuzz's properties for the
// X-Mollie-Signature value, with crypto/hmac as the oracle.
func FuzzHeader(f *testing.F) {
	valid := mac(platformtest.FuzzKnown, platformtest.Body)
	platformtest.FuzzHeaderValue(f, mollie.Platform, "X-Mollie-Signature", nil,
		[]string{"sha256=" + valid, valid, "sha256=" + strings.ToUpper(valid), "sha256=", "", "zz"},
		func(value string, body []byte) bool {
			return strings.EqualFold(strings.TrimPrefix(value, "sha256="), mac(platformtest.FuzzKnown, body))
		})
}
