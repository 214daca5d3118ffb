package shopify_test

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platforms/shopify"
)

// shopifyVectorBody has an id above 2^53, as Shopify sends them; the
// expected value was computed with Python's hmac and base64 modules
// (Shopify publishes no vector).
const (
	shopifySecret     = "shpss_test_primary"
	shopifyVectorBody = `{"id":866550311766439020}`
	shopifyVector     = "/i2JcWjl5EAnjYkyP5XufjWJILpnFRlW5a/0sEHFCdA="
)

func TestVector(t *testing.T) {
	t.Parallel()
	if got := shopify.Signature(shopifySecret, []byte(shopifyVectorBody)); got != shopifyVector {
		t.Errorf("Signature = %s, want %s", got, shopifyVector)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	const rotated = "shpss_test_rotated"
	v := shopify.NewVerifier([]string{shopifySecret, rotated})
	valid := shopify.Signature(shopifySecret, platformtest.Body)
	raw, _ := base64.StdEncoding.DecodeString(valid)
	sh := func(name, value, want string) platformtest.Case {
		return platformtest.Case{Name: name, Header: platformtest.H("X-Shopify-Hmac-Sha256", value), Want: want}
	}
	platformtest.RunCases(t, v, []platformtest.Case{
		sh("valid", valid, ""),
		sh("rotation: second secret", shopify.Signature(rotated, platformtest.Body), ""),
		{Name: "tampered body", Header: platformtest.H("X-Shopify-Hmac-Sha256", valid), Body: platformtest.TamperedBody, Want: "no hmac match"},
		sh("wrong secret", shopify.Signature("other", platformtest.Body), "no hmac match"),
		{Name: "missing header", Header: platformtest.H("X-Shopify-Topic", "orders/create"), Want: "missing X-Shopify-Hmac-Sha256 header"},
		sh("malformed: hex instead of base64", hex.EncodeToString(raw), sig.ReasonMalformed),
		sh("malformed: unpadded", valid[:len(valid)-1], sig.ReasonMalformed),
		{
			// The vector contains '/', which the URL alphabet spells '_'.
			Name:   "malformed: URL alphabet",
			Header: platformtest.H("X-Shopify-Hmac-Sha256", strings.ReplaceAll(shopifyVector, "/", "_")),
			Body:   []byte(shopifyVectorBody),
			Want:   sig.ReasonMalformed,
		},
		{Name: "vector", Header: platformtest.H("X-Shopify-Hmac-Sha256", shopifyVector), Body: []byte(shopifyVectorBody)},
		sh("malformed: not base64", "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!=", sig.ReasonMalformed),
		sh("malformed: garbage", "sha256=abc", sig.ReasonMalformed),
		{Name: "lower-case header name", Header: map[string][]string{"x-shopify-hmac-sha256": {valid}}},
	})
}
