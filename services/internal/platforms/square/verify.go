package square

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	name   = "square"
	header = "X-Square-Hmacsha256-Signature"
)

type verifier struct{ keys [][]byte }

// NewVerifier returns a Verifier of Square's x-square-hmacsha256-signature
// header: base64 of the HMAC-SHA256 of the subscription's notification URL
// followed directly by the raw body, keyed with the subscription's
// signature key. The notification URL is Request.URL, so the edge must know
// its public URL (HOOKMESH_PUBLIC_URL) when behind a proxy. The older
// SHA-1 x-square-signature is not accepted. No timestamp is signed.
func NewVerifier(secrets []string) platform.Verifier {
	return &verifier{keys: sig.KeyList(secrets)}
}

// Verify checks the x-square-hmacsha256-signature of r against r.URL.
func (v *verifier) Verify(r platform.Request) error {
	if len(v.keys) == 0 {
		return sig.Fail(name, sig.ReasonNoSecrets)
	}
	h := r.HeaderValue(header)
	if h == "" {
		return sig.Fail(name, "missing x-square-hmacsha256-signature header")
	}
	mac, ok := sig.DecodeBase64N(h, sha256.Size)
	if !ok {
		return sig.Fail(name, sig.ReasonMalformed)
	}
	if r.URL == "" {
		return sig.Fail(name, sig.ReasonNoURL)
	}
	if !sig.MatchAny(v.keys, [][]byte{mac}, []byte(r.URL), r.Body) {
		return sig.Fail(name, "no signature match")
	}
	return nil
}

// Signature returns the x-square-hmacsha256-signature value Square would
// send for body posted to notificationURL under secret.
func Signature(secret, notificationURL string, body []byte) string {
	return base64.StdEncoding.EncodeToString(sig.MAC([]byte(secret), []byte(notificationURL), body))
}

// sign is Platform.Sign: the signature of the body posted to in.URL (or
// the default URL).
func sign(in platform.SignInput) (http.Header, []byte, error) {
	return platform.Headers(header, Signature(in.Secret, in.URLOrDefault(name), in.Body)), in.Body, nil
}
