package ingest

import (
	"net/http"
	"strings"

	"github.com/hookmesh/hookmesh/services/internal/eventkey"
)

// redacted lists headers that carry credentials rather than signatures.
// They are not stored: the ledger keeps the request for audit and replay,
// and a stored credential would outlive its rotation.
var redacted = map[string]bool{
	"authorization":       true,
	"proxy-authorization": true,
	"cookie":              true,
	"x-gitlab-token":      true, // GitLab sends the shared secret itself
}

// RedactedValue replaces the value of a credential header.
const RedactedValue = "[redacted]"

// lowerNames maps the canonical form of headers most webhooks carry to
// its lower-case form, computed once: strings.ToLower allocates for every
// canonical name, on every request. Names not listed are lowered as they
// come; the table changes what is allocated, never what is returned.
var lowerNames = func() map[string]string {
	names := []string{
		"Accept", "Accept-Encoding", "Authorization", "Connection", "Content-Encoding",
		"Content-Length", "Content-Type", "Cookie", "Traceparent", "Tracestate", "User-Agent",
		"X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-Ip", "X-Request-Id",
		"Stripe-Signature", "X-Slack-Signature", "X-Slack-Request-Timestamp",
		"X-Github-Delivery", "X-Github-Event", "X-Github-Hook-Id", "X-Github-Hook-Installation-Target-Id",
		"X-Github-Hook-Installation-Target-Type", "X-Hub-Signature", "X-Hub-Signature-256",
		"X-Shopify-Hmac-Sha256", "X-Shopify-Topic", "X-Shopify-Shop-Domain", "X-Shopify-Event-Id",
		"X-Shopify-Webhook-Id", "X-Shopify-Api-Version", "X-Shopify-Triggered-At",
		"Webhook-Id", "Webhook-Timestamp", "Webhook-Signature", "Svix-Id", "Svix-Timestamp", "Svix-Signature",
	}
	m := make(map[string]string, len(names))
	for _, n := range names {
		c := http.CanonicalHeaderKey(n) // the form http.Header keys take
		m[c] = strings.ToLower(c)
	}
	return m
}()

// HeaderMap flattens h to lower-case names, joining repeated values with
// ", " as HTTP allows, and redacts credential headers. Names and values
// are encoded by eventkey.Encode: a header value may hold any byte from
// 0x80 up (and a gRPC Ingest one a NUL), but the map travels in proto
// string fields (valid UTF-8 only) and is stored in PostgreSQL (no NUL).
// Encode is the identity on every other value, and is the encoding of
// event ids, so an id taken from a header (eventkey.Derive) is already in
// its stored form.
func HeaderMap(h http.Header) map[string]string {
	m := make(map[string]string, len(h))
	for name, values := range h {
		key, ok := lowerNames[name]
		if !ok {
			key = eventkey.Encode(strings.ToLower(name))
		}
		if redacted[key] {
			m[key] = RedactedValue
			continue
		}
		m[key] = eventkey.Encode(strings.Join(values, ", "))
	}
	return m
}

// TraceparentHeader is the reserved receipt header under which the edge
// stores the W3C traceparent of its ingest span; the ledger hands it to the
// dispatcher with each lease so the delivery joins the webhook's trace.
const TraceparentHeader = "hookmesh-traceparent"

// withTraceparent returns a copy of headers with tp under
// TraceparentHeader; the normalizer saw the headers as sent.
func withTraceparent(headers map[string]string, tp string) map[string]string {
	m := make(map[string]string, len(headers)+1)
	for k, v := range headers {
		m[k] = v
	}
	m[TraceparentHeader] = tp
	return m
}
