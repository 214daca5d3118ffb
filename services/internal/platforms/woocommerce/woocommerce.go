// Package woocommerce is the WooCommerce platform: X-WC-Webhook-Signature,
// the base64 HMAC-SHA256 of the raw body keyed with the webhook's secret;
// the ping WooCommerce sends when a webhook is created, answered 200; the
// body's SHA-256 scoped by X-WC-Webhook-ID as the dedup key; the
// normalization of order and customer topics; and sample webhooks.
//
// Sources (checked 2026-12): WooCommerce's own code,
// plugins/woocommerce/includes/class-wc-webhook.php (woocommerce/woocommerce):
// generate_signature is base64_encode(hash_hmac('sha256', body,
// wp_specialchars_decode(secret, ENT_QUOTES), true)); deliver() sets
// X-WC-Webhook-Source (the shop URL), -Topic, -Resource, -Event,
// -Signature, -ID (the webhook's id) and -Delivery-ID; deliver_ping()
// posts "webhook_id=<id>" with no signature at all and fails the webhook's
// creation unless the answer is exactly 200. The unit test
// test_generate_signature (tests/legacy/unit-tests/webhooks/crud.php) is
// the published vector. https://woocommerce.github.io/woocommerce-rest-api-docs/#webhooks
// lists the topics. No timestamp is signed: there is no replay window.
//
// The ping: the verifier lets through exactly the request the handshake
// answers (no signature or topic header, body "webhook_id=<digits>"), and
// the edge answers it 200 without recording it. It carries nothing but the
// webhook's id, so a forged one achieves nothing.
//
// Dedup: X-WC-Webhook-Delivery-ID is wp_hash(webhook id . current second),
// so two deliveries of one webhook in the same second share it; it cannot
// tell events apart. WooCommerce does not retry a failed delivery (it
// counts failures and disables the webhook after five), so the body's hash
// within the webhook (X-WC-Webhook-ID) is the key: a delivery re-sent by
// hand is stored once, and two different events never merge.
package woocommerce

import (
	"crypto/sha256"
	"embed"
	"net/http"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	name = "woocommerce"
	// Header names WooCommerce sends.
	TopicHeader      = "X-WC-Webhook-Topic"
	ResourceHeader   = "X-WC-Webhook-Resource"
	EventHeader      = "X-WC-Webhook-Event"
	WebhookIDHeader  = "X-WC-Webhook-ID"
	DeliveryIDHeader = "X-WC-Webhook-Delivery-ID"
	SourceHeader     = "X-WC-Webhook-Source"
)

// Scheme is WooCommerce's signature: base64 HMAC-SHA256 of the body in
// X-WC-Webhook-Signature.
var Scheme = sig.Body{Platform: name, Header: "X-WC-Webhook-Signature", Hash: sha256.New, Base64: true}

//go:embed testdata
var testdata embed.FS

// Platform is WooCommerce, as the registry lists it.
var Platform = platform.Platform{
	Name:        name,
	NewVerifier: newVerifier,
	Sign:        Scheme.Sign,
	Key:         key,
	Handshake:   handshake,
	Normalize:   normalize,
	Mapping:     mapping,
	Samples:     samples,
	TestData:    testdata,
}

type verifier struct{ signed platform.Verifier }

// newVerifier keys each secret as configured and, where they differ, as
// WordPress's wp_specialchars_decode(secret, ENT_QUOTES) leaves it, which
// is what WooCommerce signs with.
func newVerifier(secrets []string, _ time.Duration) (platform.Verifier, error) {
	keys := make([]string, 0, 2*len(secrets))
	for _, s := range secrets {
		keys = append(keys, s)
		if d := specialCharsDecode.Replace(s); d != s {
			keys = append(keys, d)
		}
	}
	return verifier{signed: Scheme.NewVerifier(keys)}, nil
}

// specialCharsDecode is wp_specialchars_decode with ENT_QUOTES: the named
// and numeric forms of & < > " ' back to the characters, in one pass.
var specialCharsDecode = strings.NewReplacer(
	"&amp;", "&", "&#038;", "&", "&#x26;", "&",
	"&lt;", "<", "&#060;", "<",
	"&gt;", ">", "&#062;", ">",
	"&quot;", `"`, "&#034;", `"`, "&#x22;", `"`,
	"&#039;", "'", "&#x27;", "'",
)

// Verify checks the signature of a delivery and lets the creation ping
// through (see the package doc).
func (v verifier) Verify(r platform.Request) error {
	if isPing(r.Header, r.Body) {
		return nil
	}
	return v.signed.Verify(r)
}

// isPing reports whether a request is deliver_ping's: no signature or
// topic header and a body of "webhook_id=" and at most 20 digits.
func isPing(h http.Header, body []byte) bool {
	r := platform.Request{Header: h}
	if r.HasHeader(Scheme.Header) || r.HasHeader(TopicHeader) {
		return false
	}
	id, ok := strings.CutPrefix(string(body), "webhook_id=")
	if !ok || id == "" || len(id) > 20 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

// handshake answers the ping 200 with an empty body, as WooCommerce
// requires (any other status fails the webhook's creation).
func handshake(h http.Header, body []byte) (string, string, bool) {
	if !isPing(h, body) {
		return "", "", false
	}
	return "", platform.ChallengeText, true
}

// key is the content key within the webhook (see the package doc).
func key(headers map[string]string, body []byte) (eventid.Key, error) {
	k := eventid.ContentKey(body)
	k.Source = headers["x-wc-webhook-id"]
	return k, nil
}
