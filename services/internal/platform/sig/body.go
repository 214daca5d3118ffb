package sig

import (
	"encoding/base64"
	"encoding/hex"
	"hash"
	"net/http"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
)

// Body is a signature scheme that signs the raw body alone: one header
// holds the HMAC of the exact bytes received, keyed with the shared secret
// as a string, hex or base64 encoded, optionally behind a prefix. No
// timestamp is signed, so there is no replay window. GitHub, Bitbucket,
// Shopify, Intercom, Jira, Sentry, Vercel, Segment, Typeform, Notion,
// Razorpay, Paystack, Lemon Squeezy, WooCommerce, Coinbase Commerce and
// Mollie use it, and Linear before its check of the body's timestamp; a
// platform package declares its Body and uses its NewVerifier, Signature
// and Sign.
type Body struct {
	// Platform names the platform in failures.
	Platform string
	// Header is the signature header, e.g. "X-Razorpay-Signature".
	Header string
	// Hash is the HMAC's hash, e.g. sha256.New.
	Hash func() hash.Hash
	// Base64 selects padded standard base64; otherwise hex (either case
	// is read, lower case is written).
	Base64 bool
	// Prefix precedes the encoded MAC, e.g. "sha256="; Sign writes it.
	Prefix string
	// PrefixOptional accepts the encoded MAC without Prefix too.
	PrefixOptional bool
	// NoMatch replaces ReasonNoMatch where a platform has always said
	// something else ("no sha256 match"); it is a metric label.
	NoMatch string
}

// Failure reasons of Body verifiers, besides the shared ones.
const (
	// ReasonNoMatch: no configured secret signs the body.
	ReasonNoMatch = "no signature match"
)

type bodyVerifier struct {
	s    Body
	keys [][]byte
	size int
}

// NewVerifier returns the verifier of s under the given secrets (empty
// ones dropped, see KeyList).
func (s Body) NewVerifier(secrets []string) platform.Verifier {
	return &bodyVerifier{s: s, keys: KeyList(secrets), size: s.Hash().Size()}
}

// Verifier is a Platform.NewVerifier of s. No timestamp is signed, so
// the tolerance is ignored.
func (s Body) Verifier(secrets []string, _ time.Duration) (platform.Verifier, error) {
	return s.NewVerifier(secrets), nil
}

// Verify checks r's signature header against every secret.
func (v *bodyVerifier) Verify(r platform.Request) error {
	if len(v.keys) == 0 {
		return Fail(v.s.Platform, ReasonNoSecrets)
	}
	h := r.HeaderValue(v.s.Header)
	if h == "" {
		return Fail(v.s.Platform, "missing "+v.s.Header+" header")
	}
	mac, ok := v.s.decode(h, v.size)
	if !ok {
		return Fail(v.s.Platform, ReasonMalformed)
	}
	if !MatchAnyWith(v.s.Hash, v.keys, [][]byte{mac}, r.Body) {
		if v.s.NoMatch != "" {
			return Fail(v.s.Platform, v.s.NoMatch)
		}
		return Fail(v.s.Platform, ReasonNoMatch)
	}
	return nil
}

// decode strips the prefix and decodes exactly size bytes. The value is
// taken as sent: surrounding white space is malformed, since no sender
// writes it.
func (s Body) decode(h string, size int) ([]byte, bool) {
	v, had := strings.CutPrefix(h, s.Prefix)
	if !had && !s.PrefixOptional {
		return nil, false
	}
	if s.Base64 {
		return DecodeBase64N(v, size)
	}
	return DecodeHexN(v, "", size)
}

// Signature returns the header value the sender sends for body under
// secret.
func (s Body) Signature(secret string, body []byte) string {
	mac := MACWith(s.Hash, []byte(secret), body)
	if s.Base64 {
		return s.Prefix + base64.StdEncoding.EncodeToString(mac)
	}
	return s.Prefix + hex.EncodeToString(mac)
}

// Sign is a Platform.Sign: the signature header; the body is sent as it
// is.
func (s Body) Sign(in platform.SignInput) (http.Header, []byte, error) {
	h := http.Header{}
	h.Set(s.Header, s.Signature(in.Secret, in.Body))
	return h, in.Body, nil
}
