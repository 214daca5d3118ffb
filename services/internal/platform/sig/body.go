package sig

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"

	"github.com/hookmesh/hookmesh/services/internal/platform"
)

// ReasonNoMatch is the failure of a well-formed signature no secret made.
const ReasonNoMatch = "no hmac match"

// BodyHMAC is the scheme of a header holding Prefix and the HMAC-SHA256
// of the raw body alone, in lower-case hex or padded standard base64:
// Typeform's ("sha256=" and base64) and Notion's ("sha256=" and hex). No
// timestamp is signed, so there is no replay window.
type BodyHMAC struct {
	// Platform names the platform in failures.
	Platform string
	// Header is the signature header's name.
	Header string
	// Prefix precedes the signature in the header ("sha256="); it is
	// matched exactly.
	Prefix string
	// Base64 selects padded standard base64; hex otherwise.
	Base64 bool
}

// Verifier returns the verifier of secrets, each used as-is as the HMAC
// key.
func (s BodyHMAC) Verifier(secrets []string) platform.Verifier {
	return &bodyVerifier{BodyHMAC: s, keys: KeyList(secrets)}
}

// Sign returns the header value a sender puts on body under secret.
func (s BodyHMAC) Sign(secret string, body []byte) string {
	mac := MAC([]byte(secret), body)
	if s.Base64 {
		return s.Prefix + base64.StdEncoding.EncodeToString(mac)
	}
	return s.Prefix + hex.EncodeToString(mac)
}

type bodyVerifier struct {
	BodyHMAC
	keys [][]byte
}

// Verify checks the signature header of r.
func (v *bodyVerifier) Verify(r platform.Request) error {
	if len(v.keys) == 0 {
		return Fail(v.Platform, ReasonNoSecrets)
	}
	h := r.HeaderValue(v.Header)
	if h == "" {
		return Fail(v.Platform, ReasonNoHeader)
	}
	val, ok := strings.CutPrefix(h, v.Prefix)
	if !ok {
		return Fail(v.Platform, ReasonMalformed)
	}
	var mac []byte
	if v.Base64 {
		mac, ok = DecodeBase64N(val, sha256.Size)
	} else {
		mac, ok = DecodeHexN(val, "", sha256.Size)
	}
	if !ok {
		return Fail(v.Platform, ReasonMalformed)
	}
	if !MatchAny(v.keys, [][]byte{mac}, r.Body) {
		return Fail(v.Platform, ReasonNoMatch)
	}
	return nil
}
