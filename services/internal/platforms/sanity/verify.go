package sanity

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	name   = "sanity"
	header = "sanity-webhook-signature"
)

// DefaultTolerance is ours: Sanity signs a timestamp (in milliseconds)
// but its toolkit checks no window. Five minutes, both directions, as
// for the Standard Webhooks senders.
const DefaultTolerance = 5 * time.Minute

// scheme is sig.TV1 with the timestamp in milliseconds, read by Sanity's
// own positional parser, the MAC in unpadded URL-safe base64.
var scheme = sig.TV1{Platform: name, Header: header, Millis: true, Parse: parseHeader, Encode: base64.RawURLEncoding.EncodeToString}

// NewVerifier returns a Verifier of the sanity-webhook-signature header
// "t=<unix ms>,v1=<base64url>": the HMAC-SHA256 of "<t>.<body>" keyed
// with the webhook's secret as-is, in unpadded URL-safe base64. The
// header is read as @sanity/webhook reads it (t, then "," or spaces, then
// one v1); several secrets may be active while one is rotated. A
// non-positive tolerance means DefaultTolerance.
func NewVerifier(secrets []string, tolerance time.Duration) platform.Verifier {
	return scheme.Verifier(secrets, sig.OrDefault(tolerance, DefaultTolerance))
}

// parseHeader reads "t=<digits>" then one or more "," or " ", then
// "v1=<value>" to the end (@sanity/webhook's pattern, after trimming
// spaces), and returns t as sent and the decoded signature. A value that
// is not 32 bytes of unpadded base64url is malformed, as is any other
// scheme or a second entry.
func parseHeader(h string) (t string, sigs [][]byte, reason string) {
	rest, ok := strings.CutPrefix(strings.Trim(h, " \t"), "t=")
	if !ok {
		return "", nil, sig.ReasonMalformed
	}
	end := strings.IndexAny(rest, ", ")
	if end < 0 {
		return "", nil, sig.ReasonMalformed
	}
	t, rest = rest[:end], strings.TrimLeft(rest[end:], ", ")
	if _, ok := sig.ParseUnix(t); !ok {
		return "", nil, sig.ReasonBadTimestamp
	}
	val, ok := strings.CutPrefix(rest, "v1=")
	if !ok || strings.ContainsAny(val, ", ") {
		return "", nil, sig.ReasonMalformed
	}
	if len(val) != base64.RawURLEncoding.EncodedLen(sha256.Size) {
		return "", nil, sig.ReasonMalformed
	}
	mac, err := base64.RawURLEncoding.Strict().DecodeString(val)
	if err != nil {
		return "", nil, sig.ReasonMalformed
	}
	return t, [][]byte{mac}, ""
}

// Signature returns the sanity-webhook-signature value Sanity would send
// for body at ts under secret: "t=<unix ms>,v1=<base64url>".
func Signature(secret string, ts time.Time, body []byte) string {
	return scheme.Signature(secret, ts, body)
}
