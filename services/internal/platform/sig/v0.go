package sig

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
)

// ReasonNoV0Match: no configured secret signs "v0:<timestamp>:<body>".
const ReasonNoV0Match = "no v0 match"

// v0 is the scheme's version, the prefix of the header's value and of the
// signed bytes.
const v0 = "v0"

// V0 is the scheme Slack introduced and Zoom reuses: a signature header
// "v0=<hex>", the HMAC-SHA256 of "v0:<timestamp>:<body>" keyed with the
// secret as-is, and a timestamp header of unix seconds that must be within
// the tolerance of the request time, in both directions. The platforms
// differ only in header names and in some failure reasons, set below.
type V0 struct {
	// Platform names the platform in failures.
	Platform string
	// Header and TimeHeader are the signature and timestamp headers.
	Header, TimeHeader string
	// MissingHeader and MissingTimestamp replace the reasons of a missing
	// signature (ReasonNoHeader) or timestamp (ReasonNoTimestamp) header.
	// They are metric labels.
	MissingHeader, MissingTimestamp string
	// UnsupportedVersion, if set, is the reason of a signature whose
	// version (the text before "=") is not v0; otherwise such a signature
	// is ReasonMalformed.
	UnsupportedVersion string
}

// V0Verifier is the verifier of a V0 scheme under a set of secrets.
type V0Verifier struct {
	s    V0
	keys [][]byte
	tol  time.Duration
}

// Verifier returns the verifier of secrets (empty ones dropped, see
// KeyList) at tolerance, which must be positive: platforms map their zero
// to their default first (OrDefault).
func (s V0) Verifier(secrets []string, tolerance time.Duration) *V0Verifier {
	return &V0Verifier{s: s, keys: KeyList(secrets), tol: tolerance}
}

// Verify checks the signature and timestamp headers of r.
func (v *V0Verifier) Verify(r platform.Request) error {
	_, err := v.Signer(r)
	return err
}

// Signer verifies r and returns the secret that signed it (Zoom answers
// its handshake under that secret).
func (v *V0Verifier) Signer(r platform.Request) ([]byte, error) {
	s := v.s
	if len(v.keys) == 0 {
		return nil, Fail(s.Platform, ReasonNoSecrets)
	}
	h := r.HeaderValue(s.Header)
	if h == "" {
		return nil, Fail(s.Platform, or(s.MissingHeader, ReasonNoHeader))
	}
	t := r.HeaderValue(s.TimeHeader)
	if t == "" {
		return nil, Fail(s.Platform, or(s.MissingTimestamp, ReasonNoTimestamp))
	}
	ts, ok := ParseUnix(t)
	if !ok {
		return nil, Fail(s.Platform, ReasonBadTimestamp)
	}
	if s.UnsupportedVersion != "" {
		// Only v0 has ever been sent; a future version must be added
		// deliberately, not matched by accident.
		if version, _, _ := strings.Cut(h, "="); version != v0 {
			return nil, Fail(s.Platform, s.UnsupportedVersion)
		}
	}
	mac, ok := DecodeHexN(h, v0+"=", sha256.Size)
	if !ok {
		return nil, Fail(s.Platform, ReasonMalformed)
	}
	if err := CheckWindow(s.Platform, ts, r.NowOrClock(), v.tol); err != nil {
		return nil, err
	}
	for _, k := range v.keys {
		if hmac.Equal(MAC(k, []byte(v0+":"), []byte(t), []byte(":"), r.Body), mac) {
			return k, nil
		}
	}
	return nil, Fail(s.Platform, ReasonNoV0Match)
}

// Signature returns the signature and timestamp header values the sender
// sends for body at ts under secret.
func (s V0) Signature(secret string, ts time.Time, body []byte) (signature, timestamp string) {
	timestamp = strconv.FormatInt(ts.Unix(), 10)
	mac := MAC([]byte(secret), []byte(v0+":"), []byte(timestamp), []byte(":"), body)
	return v0 + "=" + hex.EncodeToString(mac), timestamp
}

// Sign is a Platform.Sign: both headers at in.Now; the body is sent as it
// is.
func (s V0) Sign(in platform.SignInput) (http.Header, []byte, error) {
	sg, ts := s.Signature(in.Secret, in.Now, in.Body)
	h := http.Header{}
	h.Set(s.Header, sg)
	h.Set(s.TimeHeader, ts)
	return h, in.Body, nil
}
