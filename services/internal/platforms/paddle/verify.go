package paddle

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
	paddlePlatform = "paddle"
	paddleHeader   = "Paddle-Signature"
)

// DefaultTolerance is the 5-second window of Paddle's SDK helpers
// (their docs: "the SDK helper methods enforce a five-second timestamp
// tolerance by default"). It is tight on purpose; widen it per deployment
// with HOOKMESH_TOLERANCE_PADDLE if clocks drift.
const DefaultTolerance = 5 * time.Second

type paddleVerifier struct {
	keys [][]byte
	tol  time.Duration
}

// NewVerifier returns a Verifier of Paddle Billing's Paddle-Signature header,
// "ts=<unix>;h1=<hex>[;h1=<hex>...]", the HMAC-SHA256 of "<ts>:<body>"
// keyed with the notification destination's secret key as-is. Several h1
// values appear while a secret is rotated. A non-positive tolerance means
// DefaultTolerance, in both directions.
func NewVerifier(secrets []string, tolerance time.Duration) platform.Verifier {
	return &paddleVerifier{keys: sig.KeyList(secrets), tol: sig.OrDefault(tolerance, DefaultTolerance)}
}

// Verify checks the Paddle-Signature of r.
func (v *paddleVerifier) Verify(r platform.Request) error {
	if len(v.keys) == 0 {
		return sig.Fail(paddlePlatform, sig.ReasonNoSecrets)
	}
	h := r.HeaderValue(paddleHeader)
	if h == "" {
		return sig.Fail(paddlePlatform, "missing Paddle-Signature header")
	}
	t, sigs, reason := parsePaddleHeader(h)
	if reason != "" {
		return sig.Fail(paddlePlatform, reason)
	}
	ts, _ := sig.ParseUnix(t)
	if err := sig.CheckWindow(paddlePlatform, ts, r.NowOrClock(), v.tol); err != nil {
		return err
	}
	if !sig.MatchAny(v.keys, sigs, []byte(t), []byte(":"), r.Body) {
		return sig.Fail(paddlePlatform, "no h1 match")
	}
	return nil
}

// parsePaddleHeader splits "ts=...;h1=..." on ";" and each item at its
// first "=". ts must appear exactly once; h1 values that are not 64 hex
// digits and unknown keys are ignored (downgrade protection), as the
// Stripe parser does.
func parsePaddleHeader(h string) (t string, sigs [][]byte, reason string) {
	n := 0
	for rest, more := h, true; more; {
		var item string
		item, rest, more = strings.Cut(rest, ";")
		if n++; n > sig.MaxEntries {
			return "", nil, sig.ReasonTooMany
		}
		key, val, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok {
			return "", nil, sig.ReasonMalformed
		}
		switch key {
		case "ts":
			if t != "" {
				return "", nil, sig.ReasonMalformed
			}
			if _, ok := sig.ParseUnix(val); !ok {
				return "", nil, sig.ReasonBadTimestamp
			}
			t = val
		case "h1":
			if b, ok := sig.DecodeHexN(val, "", sha256.Size); ok {
				sigs = append(sigs, b)
			}
		}
	}
	switch {
	case t == "":
		return "", nil, "missing timestamp"
	case len(sigs) == 0:
		return "", nil, "no h1 signature"
	}
	return t, sigs, ""
}

// Signature returns the Paddle-Signature value Paddle would send for body
// at ts under secret.
func Signature(secret string, ts time.Time, body []byte) string {
	t := strconv.FormatInt(ts.Unix(), 10)
	return "ts=" + t + ";h1=" + hex.EncodeToString(sig.MAC([]byte(secret), []byte(t), []byte(":"), body))
}

// sign is Platform.Sign: the Paddle-Signature header.
func sign(in platform.SignInput) (http.Header, []byte, error) {
	return http.Header{paddleHeader: {Signature(in.Secret, in.Now, in.Body)}}, in.Body, nil
}
