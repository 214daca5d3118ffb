package verify

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

const (
	linearPlatform = "linear"
	linearHeader   = "Linear-Signature"
	linearDelivery = "Linear-Delivery"
)

// DefaultLinearTolerance is the one-minute window Linear documents for the
// body's webhookTimestamp (their SDK rejects anything further than 60 s
// from now).
const DefaultLinearTolerance = time.Minute

type linearVerifier struct {
	keys [][]byte
	tol  time.Duration
}

// Linear returns a Verifier of Linear's Linear-Signature header, the hex
// HMAC-SHA256 of the raw body. The timestamp is not in a header but in the
// signed body (webhookTimestamp, unix milliseconds): it is read only after
// the signature matched, and must be within the tolerance of now (default
// DefaultLinearTolerance, both directions).
func Linear(secrets []string, tolerance time.Duration) Verifier {
	return &linearVerifier{keys: keyList(secrets), tol: orDefault(tolerance, DefaultLinearTolerance)}
}

func (v *linearVerifier) Verify(r Request) error {
	if len(v.keys) == 0 {
		return fail(linearPlatform, reasonNoSecrets)
	}
	h := r.HeaderValue(linearHeader)
	if h == "" {
		return fail(linearPlatform, "missing Linear-Signature header")
	}
	sig, ok := decodeHexN(h, "", sha256.Size)
	if !ok {
		return fail(linearPlatform, reasonMalformed)
	}
	if !matchAny(v.keys, [][]byte{sig}, r.Body) {
		return fail(linearPlatform, "no signature match")
	}
	var env struct {
		WebhookTimestamp json.Number `json:"webhookTimestamp"`
	}
	d := json.NewDecoder(bytes.NewReader(r.Body))
	d.UseNumber()
	if d.Decode(&env) != nil || env.WebhookTimestamp == "" {
		return fail(linearPlatform, "missing webhookTimestamp")
	}
	ms, ok := parseDigits(env.WebhookTimestamp.String())
	if !ok {
		return fail(linearPlatform, reasonBadTimestamp)
	}
	return checkWindowTime(linearPlatform, time.UnixMilli(ms), r.NowOrClock(), v.tol)
}

// SignLinear returns the Linear-Signature value Linear would send for body
// under secret. The body must carry its own webhookTimestamp.
func SignLinear(secret string, body []byte) string {
	return hex.EncodeToString(mac([]byte(secret), body))
}
