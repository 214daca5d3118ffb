package verify

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

const (
	stripePlatform = "stripe"
	stripeHeader   = "Stripe-Signature"
)

type stripeVerifier struct {
	keys [][]byte
	tol  time.Duration
}

// Stripe returns a Verifier of the Stripe-Signature header. Each secret is
// an endpoint secret used as-is, whsec_ prefix included. A non-positive
// tolerance means DefaultStripeTolerance; it bounds the timestamp in both
// directions.
func Stripe(secrets []string, tolerance time.Duration) Verifier {
	return &stripeVerifier{keys: keyList(secrets), tol: orDefault(tolerance, DefaultStripeTolerance)}
}

func (v *stripeVerifier) Verify(r Request) error {
	if len(v.keys) == 0 {
		return fail(stripePlatform, reasonNoSecrets)
	}
	h := r.header(stripeHeader)
	if h == "" {
		return fail(stripePlatform, "missing Stripe-Signature header")
	}
	t, sigs, reason := parseStripeHeader(h)
	if reason != "" {
		return fail(stripePlatform, reason)
	}
	ts, _ := parseUnix(t) // validated by the parser
	if err := checkWindow(stripePlatform, ts, r.now(), v.tol); err != nil {
		return err
	}
	if !matchAny(v.keys, sigs, []byte(t), []byte("."), r.Body) {
		return fail(stripePlatform, "no v1 match")
	}
	return nil
}

// parseStripeHeader returns the t value exactly as sent (it is part of the
// signed bytes) and the decoded v1 signatures, or a failure reason. Like
// stripe-go it splits on "," and "=", ignores unknown schemes and v1 values
// that are not hex; unlike it, it tolerates spaces around items, rejects a
// repeated t (which t would have been signed?) and stops at maxEntries.
func parseStripeHeader(h string) (t string, sigs [][]byte, reason string) {
	n := 0
	for rest, more := h, true; more; {
		var item string
		item, rest, more = strings.Cut(rest, ",")
		if n++; n > maxEntries {
			return "", nil, reasonTooMany
		}
		key, val, ok := strings.Cut(strings.Trim(item, " \t"), "=")
		if !ok {
			return "", nil, reasonMalformed
		}
		switch key {
		case "t":
			if t != "" {
				return "", nil, reasonMalformed
			}
			if _, ok := parseUnix(val); !ok {
				return "", nil, reasonBadTimestamp
			}
			t = val
		case "v1":
			if len(val) != hex.EncodedLen(sha256.Size) {
				continue
			}
			if sig, err := hex.DecodeString(val); err == nil {
				sigs = append(sigs, sig)
			}
		default:
			// v0 (test mode) and schemes we do not know: never used, so a
			// weaker scheme cannot stand in for v1.
		}
	}
	switch {
	case t == "":
		return "", nil, "missing timestamp"
	case len(sigs) == 0:
		return "", nil, "no v1 signature"
	}
	return t, sigs, ""
}

// SignStripe returns the Stripe-Signature header value Stripe would send for
// body at ts under secret: "t=<unix>,v1=<hex>".
func SignStripe(secret string, ts time.Time, body []byte) string {
	t := strconv.FormatInt(ts.Unix(), 10)
	sig := mac([]byte(secret), []byte(t), []byte("."), body)
	return "t=" + t + ",v1=" + hex.EncodeToString(sig)
}
