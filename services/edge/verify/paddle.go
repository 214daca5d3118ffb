package verify

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

const (
	paddlePlatform = "paddle"
	paddleHeader   = "Paddle-Signature"
)

// DefaultPaddleTolerance is the 5-second window of Paddle's SDK helpers
// (their docs: "the SDK helper methods enforce a five-second timestamp
// tolerance by default"). It is tight on purpose; widen it per deployment
// with HOOKMESH_TOLERANCE_PADDLE if clocks drift.
const DefaultPaddleTolerance = 5 * time.Second

type paddleVerifier struct {
	keys [][]byte
	tol  time.Duration
}

// Paddle returns a Verifier of Paddle Billing's Paddle-Signature header,
// "ts=<unix>;h1=<hex>[;h1=<hex>...]", the HMAC-SHA256 of "<ts>:<body>"
// keyed with the notification destination's secret key as-is. Several h1
// values appear while a secret is rotated. A non-positive tolerance means
// DefaultPaddleTolerance, in both directions.
func Paddle(secrets []string, tolerance time.Duration) Verifier {
	return &paddleVerifier{keys: keyList(secrets), tol: orDefault(tolerance, DefaultPaddleTolerance)}
}

func (v *paddleVerifier) Verify(r Request) error {
	if len(v.keys) == 0 {
		return fail(paddlePlatform, reasonNoSecrets)
	}
	h := r.HeaderValue(paddleHeader)
	if h == "" {
		return fail(paddlePlatform, "missing Paddle-Signature header")
	}
	t, sigs, reason := parsePaddleHeader(h)
	if reason != "" {
		return fail(paddlePlatform, reason)
	}
	ts, _ := parseUnix(t)
	if err := checkWindow(paddlePlatform, ts, r.NowOrClock(), v.tol); err != nil {
		return err
	}
	if !matchAny(v.keys, sigs, []byte(t), []byte(":"), r.Body) {
		return fail(paddlePlatform, "no h1 match")
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
		if n++; n > maxEntries {
			return "", nil, reasonTooMany
		}
		key, val, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok {
			return "", nil, reasonMalformed
		}
		switch key {
		case "ts":
			if t != "" {
				return "", nil, reasonMalformed
			}
			if _, ok := parseUnix(val); !ok {
				return "", nil, reasonBadTimestamp
			}
			t = val
		case "h1":
			if sig, ok := decodeHexN(val, "", sha256.Size); ok {
				sigs = append(sigs, sig)
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

// SignPaddle returns the Paddle-Signature value Paddle would send for body
// at ts under secret.
func SignPaddle(secret string, ts time.Time, body []byte) string {
	t := strconv.FormatInt(ts.Unix(), 10)
	return "ts=" + t + ";h1=" + hex.EncodeToString(mac([]byte(secret), []byte(t), []byte(":"), body))
}
