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
