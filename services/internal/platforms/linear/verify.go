package linear

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	linearPlatform = "linear"
	linearHeader   = "Linear-Signature"
	linearDelivery = "Linear-Delivery"
)

// DefaultTolerance is the one-minute window Linear documents for the
// body's webhookTimestamp (their SDK rejects anything further than 60 s
// from now).
const DefaultTolerance = time.Minute

// scheme is Linear's signature: the hex HMAC-SHA256 of the raw body
// keyed with the secret as-is. The webhookTimestamp check is Linear's
// own (Verify).
var scheme = sig.Body{Platform: linearPlatform, Header: linearHeader, Hash: sha256.New}

type linearVerifier struct {
	body platform.Verifier
	tol  time.Duration
}

// NewVerifier returns a Verifier of Linear's Linear-Signature header, the hex
// HMAC-SHA256 of the raw body. The timestamp is not in a header but in the
// signed body (webhookTimestamp, unix milliseconds): it is read only after
// the signature matched, and must be within the tolerance of now (default
// DefaultTolerance, both directions).
func NewVerifier(secrets []string, tolerance time.Duration) platform.Verifier {
	return &linearVerifier{body: scheme.NewVerifier(secrets), tol: sig.OrDefault(tolerance, DefaultTolerance)}
}

// Verify checks the Linear-Signature and webhookTimestamp of r.
func (v *linearVerifier) Verify(r platform.Request) error {
	if err := v.body.Verify(r); err != nil {
		return err
	}
	var env struct {
		WebhookTimestamp json.Number `json:"webhookTimestamp"`
	}
	d := json.NewDecoder(bytes.NewReader(r.Body))
	d.UseNumber()
	if d.Decode(&env) != nil || env.WebhookTimestamp == "" {
		return sig.Fail(linearPlatform, "missing webhookTimestamp")
	}
	ms, ok := sig.ParseDigits(env.WebhookTimestamp.String())
	if !ok {
		return sig.Fail(linearPlatform, sig.ReasonBadTimestamp)
	}
	return sig.CheckWindowTime(linearPlatform, time.UnixMilli(ms), r.NowOrClock(), v.tol)
}

// Signature returns the Linear-Signature value Linear would send for body
// under secret. The body must carry its own webhookTimestamp.
func Signature(secret string, body []byte) string {
	return scheme.Signature(secret, body)
}

// sign is Platform.Sign: Linear-Signature, and Linear-Delivery = id when
// there is one. The body carries its own webhookTimestamp.
func sign(in platform.SignInput) (http.Header, []byte, error) {
	return platform.Headers(linearHeader, Signature(in.Secret, in.Body), linearDelivery, in.ID), in.Body, nil
}
