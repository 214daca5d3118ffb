package verify

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
)

// shopifyVectorBody has an id above 2^53, as Shopify sends them; the
// expected value was computed with Python's hmac and base64 modules
// (Shopify publishes no vector).
const (
	shopifySecret     = "shpss_test_primary"
	shopifyVectorBody = `{"id":866550311766439020}`
	shopifyVector     = "/i2JcWjl5EAnjYkyP5XufjWJILpnFRlW5a/0sEHFCdA="
)

func TestShopifyVector(t *testing.T) {
	t.Parallel()
	if got := SignShopify(shopifySecret, []byte(shopifyVectorBody)); got != shopifyVector {
		t.Errorf("SignShopify = %s, want %s", got, shopifyVector)
	}
}

func TestShopify(t *testing.T) {
	t.Parallel()
	const rotated = "shpss_test_rotated"
	v := Shopify([]string{shopifySecret, rotated})
	valid := SignShopify(shopifySecret, testBody)
	raw, _ := base64.StdEncoding.DecodeString(valid)
	sh := func(name, value, want string) verifyCase {
		return verifyCase{name: name, header: h("X-Shopify-Hmac-Sha256", value), want: want}
	}
	runCases(t, v, []verifyCase{
		sh("valid", valid, ""),
		sh("rotation: second secret", SignShopify(rotated, testBody), ""),
		{name: "tampered body", header: h("X-Shopify-Hmac-Sha256", valid), body: tamperedBody, want: "no hmac match"},
		sh("wrong secret", SignShopify("other", testBody), "no hmac match"),
		{name: "missing header", header: h("X-Shopify-Topic", "orders/create"), want: "missing X-Shopify-Hmac-Sha256 header"},
		sh("malformed: hex instead of base64", hex.EncodeToString(raw), reasonMalformed),
		sh("malformed: unpadded", valid[:len(valid)-1], reasonMalformed),
		{
			// The vector contains '/', which the URL alphabet spells '_'.
			name:   "malformed: URL alphabet",
			header: h("X-Shopify-Hmac-Sha256", strings.ReplaceAll(shopifyVector, "/", "_")),
			body:   []byte(shopifyVectorBody),
			want:   reasonMalformed,
		},
		{name: "vector", header: h("X-Shopify-Hmac-Sha256", shopifyVector), body: []byte(shopifyVectorBody)},
		sh("malformed: not base64", "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!=", reasonMalformed),
		sh("malformed: garbage", "sha256=abc", reasonMalformed),
		{name: "lower-case header name", header: map[string][]string{"x-shopify-hmac-sha256": {valid}}},
	})
}
