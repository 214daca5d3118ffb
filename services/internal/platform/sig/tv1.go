package sig

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
)

// Reasons of ParseTV1 and TV1.
const (
	ReasonNoHeader    = "missing signature header"
	ReasonNoTimestamp = "missing timestamp"
	ReasonNoV1        = "no v1 signature"
	ReasonNoV1Match   = "no v1 match"
)

// ParseTV1 parses the "t=<unix seconds>,v1=<hex>[,v1=<hex>...]" header
// Stripe introduced and Calendly and Mux send. Items are split on ",",
// each "key=value", spaces around an item tolerated. It returns t exactly
// as sent (it is part of the signed bytes) and the v1 values that are
// size bytes of hex; v1 values of another length or not hex are skipped,
// like the senders' SDKs do, and other schemes (v0, v2) are ignored, so a
// weaker or unknown scheme never stands in for v1. A repeated t (which one
// was signed?), an item without "=", a t that is not unix seconds, more
// than MaxEntries items, no t or no usable v1 is a failure reason.
func ParseTV1(h string, size int) (t string, sigs [][]byte, reason string) {
	n := 0
	for rest, more := h, true; more; {
		var item string
		item, rest, more = strings.Cut(rest, ",")
		if n++; n > MaxEntries {
			return "", nil, ReasonTooMany
		}
		key, val, ok := strings.Cut(strings.Trim(item, " \t"), "=")
		if !ok {
			return "", nil, ReasonMalformed
		}
		switch key {
		case "t":
			if t != "" {
				return "", nil, ReasonMalformed
			}
			if _, ok := ParseUnix(val); !ok {
				return "", nil, ReasonBadTimestamp
			}
			t = val
		case "v1":
			if b, ok := DecodeHexN(val, "", size); ok {
				sigs = append(sigs, b)
			}
		}
	}
	switch {
	case t == "":
		return "", nil, ReasonNoTimestamp
	case len(sigs) == 0:
		return "", nil, ReasonNoV1
	}
	return t, sigs, ""
}

// TV1 is the scheme of a "t=<unix>,v1=<hex>" header (ParseTV1) whose v1
// values are the HMAC-SHA256 of "<t>.<body>": Stripe's, which Calendly
// and Mux use too. The timestamp must be within the tolerance of the
// request time, in both directions.
type TV1 struct {
	// Platform names the platform in failures.
	Platform string
	// Header is the signature header's name.
	Header string
}

// Verifier returns the verifier of secrets, each used as-is as the HMAC
// key, at tolerance (which must be positive).
func (s TV1) Verifier(secrets []string, tolerance time.Duration) platform.Verifier {
	return &tv1Verifier{TV1: s, keys: KeyList(secrets), tol: tolerance}
}

// Sign returns the header value a sender puts on body at ts under
// secret: "t=<unix>,v1=<hex>".
func (s TV1) Sign(secret string, ts time.Time, body []byte) string {
	t := strconv.FormatInt(ts.Unix(), 10)
	return "t=" + t + ",v1=" + hex.EncodeToString(MAC([]byte(secret), []byte(t), []byte("."), body))
}

type tv1Verifier struct {
	TV1
	keys [][]byte
	tol  time.Duration
}

// Verify checks the signature header of r.
func (v *tv1Verifier) Verify(r platform.Request) error {
	if len(v.keys) == 0 {
		return Fail(v.Platform, ReasonNoSecrets)
	}
	h := r.HeaderValue(v.Header)
	if h == "" {
		return Fail(v.Platform, ReasonNoHeader)
	}
	t, sigs, reason := ParseTV1(h, sha256.Size)
	if reason != "" {
		return Fail(v.Platform, reason)
	}
	ts, _ := ParseUnix(t) // validated by the parser
	if err := CheckWindow(v.Platform, ts, r.NowOrClock(), v.tol); err != nil {
		return err
	}
	if !MatchAny(v.keys, sigs, []byte(t), []byte("."), r.Body) {
		return Fail(v.Platform, ReasonNoV1Match)
	}
	return nil
}
