package docusign

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	name = "docusign"
	// headerPrefix is followed by 1, 2, ...: one header per active key.
	headerPrefix = "X-DocuSign-Signature-"
	// maxHeaders is the most keys a DocuSign account may hold, so the
	// most signature headers a message carries.
	maxHeaders = 100
)

type verifier struct{ keys [][]byte }

// NewVerifier returns a Verifier of Connect's HMAC signatures: DocuSign
// signs each message with every active Connect key of the account and
// sends X-DocuSign-Signature-1, -2, ... (base64 HMAC-SHA256 of the body,
// keyed with the key's text as DocuSign shows it); the message is genuine
// when one of them is the HMAC under one of secrets. No timestamp is
// signed, so there is no replay window.
func NewVerifier(secrets []string) platform.Verifier { return &verifier{keys: sig.KeyList(secrets)} }

// Verify checks the X-DocuSign-Signature-<n> headers of r, read in order
// from 1 until one is missing (at most maxHeaders). Values that are not
// 32 bytes of padded base64 are skipped, so one odd header does not hide
// the others.
func (v *verifier) Verify(r platform.Request) error {
	if len(v.keys) == 0 {
		return sig.Fail(name, sig.ReasonNoSecrets)
	}
	var macs [][]byte
	n := 1
	for ; n <= maxHeaders; n++ {
		h := r.HeaderValue(headerPrefix + strconv.Itoa(n))
		if h == "" {
			break
		}
		if mac, ok := sig.DecodeBase64N(h, sha256.Size); ok {
			macs = append(macs, mac)
		}
	}
	switch {
	case n == 1:
		return sig.Fail(name, sig.ReasonNoHeader)
	case len(macs) == 0:
		return sig.Fail(name, sig.ReasonMalformed)
	case !sig.MatchAny(v.keys, macs, r.Body):
		return sig.Fail(name, sig.ReasonNoMatch)
	}
	return nil
}

// Signature returns the value DocuSign puts in an X-DocuSign-Signature-<n>
// header for body under the Connect key secret.
func Signature(secret string, body []byte) string {
	return base64.StdEncoding.EncodeToString(sig.MAC([]byte(secret), body))
}

// sign is Platform.Sign: X-DocuSign-Signature-1 under in.Secret, as an
// account with one Connect key sends it; the body is sent as it is.
func sign(in platform.SignInput) (http.Header, []byte, error) {
	h := http.Header{}
	h.Set(headerPrefix+"1", Signature(in.Secret, in.Body))
	h.Set("X-Authorization-Digest", "HMACSHA256")
	return h, in.Body, nil
}
