package sig

import (
	"encoding/hex"
	"hash"

	"github.com/hookmesh/hookmesh/services/internal/platform"
)

// HexBody describes the simplest scheme there is, shared by several
// platforms (Sentry, Vercel, Jira): one header holding the hex HMAC of the
// raw body, after a fixed prefix ("sha256=") or none, and no timestamp.
type HexBody struct {
	// Platform names the platform in failures.
	Platform string
	// Header is the header's canonical name ("Sentry-Hook-Signature").
	Header string
	// Prefix precedes the hex digits exactly ("sha256="), or is empty.
	Prefix string
	// Hash is the HMAC's hash (sha256.New, sha1.New).
	Hash func() hash.Hash
}

// Verifier returns the Verifier of the scheme under secrets (used as-is;
// empty ones dropped). It fails with "missing <Header> header", ReasonMalformed
// (not Prefix and exactly the digest's length of hex) or "no signature
// match".
func (s HexBody) Verifier(secrets []string) platform.Verifier {
	return &hexBodyVerifier{s: s, keys: KeyList(secrets), size: s.Hash().Size()}
}

// Signature returns the header value the sender sends for body under
// secret: Prefix and the hex HMAC.
func (s HexBody) Signature(secret string, body []byte) string {
	return s.Prefix + hex.EncodeToString(MACWith(s.Hash, []byte(secret), body))
}

type hexBodyVerifier struct {
	s    HexBody
	keys [][]byte
	size int
}

// Verify checks the signature header of r.
func (v *hexBodyVerifier) Verify(r platform.Request) error {
	if len(v.keys) == 0 {
		return Fail(v.s.Platform, ReasonNoSecrets)
	}
	h := r.HeaderValue(v.s.Header)
	if h == "" {
		return Fail(v.s.Platform, "missing "+v.s.Header+" header")
	}
	got, ok := DecodeHexN(h, v.s.Prefix, v.size)
	if !ok {
		return Fail(v.s.Platform, ReasonMalformed)
	}
	if !MatchAnyWith(v.s.Hash, v.keys, [][]byte{got}, r.Body) {
		return Fail(v.s.Platform, "no signature match")
	}
	return nil
}
