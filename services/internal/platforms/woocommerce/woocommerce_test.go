package woocommerce_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platforms/woocommerce"
)

// TestPublishedVector is WooCommerce's test_generate_signature
// (tests/legacy/unit-tests/webhooks/crud.php): a new webhook, whose secret
// is empty, signs "secret" as below. hookmesh never verifies under an
// empty secret (anyone could sign), so only the signer is checked.
func TestPublishedVector(t *testing.T) {
	t.Parallel()
	if got, want := woocommerce.Scheme.Signature("", []byte("secret")), "GBDo00G55h6IiV+6CxqivQPLbI//KzaOZm747971tPs="; got != want {
		t.Errorf("Signature = %s, want %s", got, want)
	}
	v, _ := woocommerce.Platform.NewVerifier([]string{""}, 0)
	r := platform.Request{Header: platformtest.H("X-WC-Webhook-Signature", "GBDo00G55h6IiV+6CxqivQPLbI//KzaOZm747971tPs="), Body: []byte("secret")}
	platformtest.CheckErr(t, v.Verify(r), sig.ReasonNoSecrets)
}

func mac(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func TestVerify(t *testing.T) {
	t.Parallel()
	v, err := woocommerce.Platform.NewVerifier([]string{"ck_secret_a", "a&amp;b&#039;c", "ck_secret_b"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	good := mac("ck_secret_a", platformtest.Body)
	h := func(v string) http.Header { return platformtest.H("X-WC-Webhook-Signature", v) }
	platformtest.RunCases(t, v, []platformtest.Case{
		{Name: "valid", Header: h(good)},
		{Name: "rotated secret", Header: h(mac("ck_secret_b", platformtest.Body))},
		{Name: "secret as wp_specialchars_decode leaves it", Header: h(mac("a&b'c", platformtest.Body))},
		{Name: "secret as configured", Header: h(mac("a&amp;b&#039;c", platformtest.Body))},
		{Name: "tampered body", Header: h(good), Body: platformtest.TamperedBody, Want: sig.ReasonNoMatch},
		{Name: "wrong secret", Header: h(mac("ck_secret_c", platformtest.Body)), Want: sig.ReasonNoMatch},
		{Name: "missing header", Header: platformtest.H("X-WC-Webhook-Topic", "order.created"), Want: "missing X-WC-Webhook-Signature header"},
		{Name: "unpadded", Header: h(good[:43]), Want: sig.ReasonMalformed},
		{Name: "hex is not WooCommerce's", Header: h("5085530a952455a5119d219eba3b108d05a8e082088503c13c95da8843ce58b5"), Want: sig.ReasonMalformed},
		{Name: "url-safe alphabet", Header: h("-_" + good[2:]), Want: sig.ReasonMalformed},
	})
}

// TestPing: the creation ping passes the verifier and is answered 200
// (text, empty) by the handshake; anything else that looks like it is a
// delivery and must be signed.
func TestPing(t *testing.T) {
	t.Parallel()
	v, _ := woocommerce.Platform.NewVerifier([]string{"ck_secret_a"}, 0)
	ping := []byte("webhook_id=42")
	form := platformtest.H("Content-Type", "application/x-www-form-urlencoded", "User-Agent", "WooCommerce/9.4.1 Hookshot (WordPress/6.7)")
	platformtest.CheckErr(t, v.Verify(platform.Request{Header: form, Body: ping}), "")
	challenge, format, ok := woocommerce.Platform.Handshake(form, ping)
	if !ok || challenge != "" || format != platform.ChallengeText {
		t.Errorf("Handshake = %q, %q, %v; want an empty 200 text answer", challenge, format, ok)
	}
	for _, c := range []struct {
		name   string
		header http.Header
		body   string
	}{
		{"topic header", platformtest.H("X-WC-Webhook-Topic", "order.created"), "webhook_id=42"},
		{"signature header", platformtest.H("X-WC-Webhook-Signature", "garbage"), "webhook_id=42"},
		{"not digits", form, "webhook_id=42&x=1"},
		{"empty id", form, "webhook_id="},
		{"too long", form, "webhook_id=123456789012345678901"},
		{"JSON", form, `{"webhook_id":42}`},
	} {
		if _, _, ok := woocommerce.Platform.Handshake(c.header, []byte(c.body)); ok {
			t.Errorf("%s: answered as a ping", c.name)
		}
		if err := v.Verify(platform.Request{Header: c.header, Body: []byte(c.body)}); err == nil {
			t.Errorf("%s: accepted unsigned", c.name)
		}
	}
}

func TestKeyIsScopedContent(t *testing.T) {
	t.Parallel()
	body := []byte(`{"id":727,"status":"processing"}`)
	a, _ := woocommerce.Platform.Key(map[string]string{"x-wc-webhook-id": "11"}, body)
	b, _ := woocommerce.Platform.Key(map[string]string{"x-wc-webhook-id": "12"}, body)
	if a.EventID != b.EventID || a.Source != "11" || b.Source != "12" {
		t.Errorf("keys %+v and %+v: want one content id in two scopes", a, b)
	}
	c, _ := woocommerce.Platform.Key(map[string]string{"x-wc-webhook-id": "11", "x-wc-webhook-delivery-id": "x"}, body)
	if c != a {
		t.Error("the delivery id changed the key")
	}
}

// FuzzHeader holds platformtest.CheckFuzz's properties for the
// X-WC-Webhook-Signature value, with crypto/hmac as the oracle; the body
// is never a ping here (a topic header is set).
func FuzzHeader(f *testing.F) {
	valid := mac(platformtest.FuzzKnown, platformtest.Body)
	f.Add("", []byte("webhook_id=1"))
	platformtest.FuzzHeaderValue(f, woocommerce.Platform, "X-WC-Webhook-Signature", http.Header{"X-Wc-Webhook-Topic": {"order.created"}},
		[]string{valid, valid[:43], "", "==", "webhook_id=1"},
		func(value string, body []byte) bool { return value == mac(platformtest.FuzzKnown, body) })
}
