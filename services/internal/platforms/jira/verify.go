package jira

import (
	"crypto/sha256"
	"net/http"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	name = "jira"
	// header carries "sha256=<hex>" (the WebSub method=signature form).
	header = "X-Hub-Signature"
	// idHeader identifies a delivery, unchanged across retries.
	idHeader = "X-Atlassian-Webhook-Identifier"
)

// Scheme is Jira Cloud's: "sha256=" and the hex HMAC-SHA256 of the raw
// body keyed with the webhook's secret, used as-is. Other algorithms are
// refused: Jira Cloud signs with SHA-256. Jira signs no timestamp, so
// there is no replay window. Webhooks registered without a secret (and
// those of Connect and OAuth apps) are not signed, and fail.
var Scheme = sig.Body{Platform: name, Header: header, Prefix: "sha256=", Hash: sha256.New}

// NewVerifier returns a Verifier of X-Hub-Signature.
func NewVerifier(secrets []string) platform.Verifier { return Scheme.NewVerifier(secrets) }

// Signature returns the X-Hub-Signature value Jira would send for body
// under secret: "sha256=<hex>".
func Signature(secret string, body []byte) string { return Scheme.Signature(secret, body) }

// sign is Platform.Sign: the signature and, when in.ID is set, the
// delivery identifier; the body as it is.
func sign(in platform.SignInput) (http.Header, []byte, error) {
	h := http.Header{}
	h.Set(header, Signature(in.Secret, in.Body))
	if in.ID != "" {
		h.Set(idHeader, in.ID)
	}
	return h, in.Body, nil
}
