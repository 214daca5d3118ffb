package notion

import (
	"crypto/sha256"
	"net/http"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

// scheme is Notion's signature: "sha256=" and the hex HMAC-SHA256 of the
// raw body, keyed with the verification_token. Notion signs no
// timestamp, so there is no replay window.
var scheme = sig.Body{Hash: sha256.New, Platform: name, Header: "X-Notion-Signature", Prefix: "sha256="}

type verifier struct{ signed platform.Verifier }

// NewVerifier returns a Verifier of Notion's webhooks. Each secret is a
// subscription's verification_token, used as-is. Events must carry a
// valid X-Notion-Signature. The one exception is Notion's verification
// request, which Notion sends unsigned (the token it carries is the key
// that will sign everything after it): a request with no
// X-Notion-Signature whose body is exactly {"verification_token":
// "<token>"} is accepted so that the operator can read the token from
// the stored request. Anyone can send such a body; it becomes a PING
// event and nothing else.
func NewVerifier(secrets []string) platform.Verifier {
	return &verifier{signed: scheme.NewVerifier(secrets)}
}

// Verify checks r's signature, or that it is the verification request.
func (v *verifier) Verify(r platform.Request) error {
	if !r.HasHeader(scheme.Header) {
		if _, ok := verificationToken(r.Body); ok {
			return nil
		}
	}
	return v.signed.Verify(r)
}

// Signature returns the X-Notion-Signature value Notion would send for
// body under token: "sha256=<hex>".
func Signature(token string, body []byte) string { return scheme.Signature(token, body) }

// sign is Platform.Sign: the X-Notion-Signature header; the body is sent
// as it is.
func sign(in platform.SignInput) (http.Header, []byte, error) {
	return http.Header{scheme.Header: {Signature(in.Secret, in.Body)}}, in.Body, nil
}
