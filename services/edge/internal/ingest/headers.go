package ingest

import (
	"net/http"
	"strings"
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

// HeaderMap flattens h to lower-case names, joining repeated values with
// ", " as HTTP allows, and redacts credential headers.
func HeaderMap(h http.Header) map[string]string {
	m := make(map[string]string, len(h))
	for name, values := range h {
		key := strings.ToLower(name)
		if redacted[key] {
			m[key] = RedactedValue
			continue
		}
		m[key] = strings.Join(values, ", ")
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
