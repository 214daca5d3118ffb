package stripe

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	name   = "stripe"
	header = "Stripe-Signature"
)

// DefaultTolerance is stripe-go's DefaultTolerance. We apply it in both
// directions (see the package doc).
const DefaultTolerance = 300 * time.Second

type verifier struct {
	keys [][]byte
	tol  time.Duration
}

// NewVerifier returns a Verifier of the Stripe-Signature header. Each
// secret is an endpoint secret used as-is, whsec_ prefix included. A
// non-positive tolerance means DefaultTolerance; it bounds the timestamp
// in both directions.
func NewVerifier(secrets []string, tolerance time.Duration) platform.Verifier {
	return &verifier{keys: sig.KeyList(secrets), tol: sig.OrDefault(tolerance, DefaultTolerance)}
}

// Verify checks the Stripe-Signature header of r.
func (v *verifier) Verify(r platform.Request) error {
	if len(v.keys) == 0 {
		return sig.Fail(name, sig.ReasonNoSecrets)
	}
	h := r.HeaderValue(header)
	if h == "" {
		return sig.Fail(name, "missing Stripe-Signature header")
	}
	t, sigs, reason := parseHeader(h)
	if reason != "" {
		return sig.Fail(name, reason)
	}
	ts, _ := sig.ParseUnix(t) // validated by the parser
	if err := sig.CheckWindow(name, ts, r.NowOrClock(), v.tol); err != nil {
		return err
	}
	if !sig.MatchAny(v.keys, sigs, []byte(t), []byte("."), r.Body) {
		return sig.Fail(name, "no v1 match")
	}
	return nil
}

// parseHeader returns the t value exactly as sent (it is part of the
// signed bytes) and the decoded v1 signatures, or a failure reason. Like
// stripe-go it splits on "," and "=", ignores unknown schemes and v1 values
// that are not hex; unlike it, it tolerates spaces around items, rejects a
// repeated t (which t would have been signed?) and stops at maxEntries.
func parseHeader(h string) (t string, sigs [][]byte, reason string) {
	n := 0
	for rest, more := h, true; more; {
		var item string
		item, rest, more = strings.Cut(rest, ",")
		if n++; n > sig.MaxEntries {
			return "", nil, sig.ReasonTooMany
		}
		key, val, ok := strings.Cut(strings.Trim(item, " \t"), "=")
		if !ok {
			return "", nil, sig.ReasonMalformed
		}
		switch key {
		case "t":
			if t != "" {
				return "", nil, sig.ReasonMalformed
			}
			if _, ok := sig.ParseUnix(val); !ok {
				return "", nil, sig.ReasonBadTimestamp
			}
			t = val
		case "v1":
			if len(val) != hex.EncodedLen(sha256.Size) {
				continue
			}
			if b, err := hex.DecodeString(val); err == nil {
				sigs = append(sigs, b)
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

// Signature returns the Stripe-Signature header value Stripe would send
// for body at ts under secret: "t=<unix>,v1=<hex>".
func Signature(secret string, ts time.Time, body []byte) string {
	t := strconv.FormatInt(ts.Unix(), 10)
	mac := sig.MAC([]byte(secret), []byte(t), []byte("."), body)
	return "t=" + t + ",v1=" + hex.EncodeToString(mac)
}

// sign is Platform.Sign: the Stripe-Signature header; the body is sent
// as it is.
func sign(in platform.SignInput) (http.Header, []byte, error) {
	return http.Header{header: {Signature(in.Secret, in.Now, in.Body)}}, in.Body, nil
}
