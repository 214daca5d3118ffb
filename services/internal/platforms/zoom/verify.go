package zoom

import (
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	name            = "zoom"
	signatureHeader = "X-Zm-Signature"
	timestampHeader = "X-Zm-Request-Timestamp"
)

// DefaultTolerance is ours: Zoom signs the request time (unix seconds)
// but documents no window. Five minutes, both directions.
const DefaultTolerance = 5 * time.Minute

// Scheme is Zoom's signature: Slack's v0 scheme under Zoom's headers,
// with the shared failure reasons.
var Scheme = sig.V0{Platform: name, Header: signatureHeader, TimeHeader: timestampHeader}

// verifier is the v0 verifier, which also answers the handshake.
type verifier struct {
	*sig.V0Verifier
}

// NewVerifier returns a Verifier of Zoom's x-zm-signature header: "v0="
// and the hex HMAC-SHA256 of "v0:<x-zm-request-timestamp>:<body>" keyed
// with the app's secret token as-is. Several tokens may be active while
// one is rotated. A non-positive tolerance means DefaultTolerance. The
// verifier also answers the endpoint.url_validation handshake
// (platform.SecretHandshaker).
func NewVerifier(secrets []string, tolerance time.Duration) platform.Verifier {
	return &verifier{Scheme.Verifier(secrets, sig.OrDefault(tolerance, DefaultTolerance))}
}

// Handshake answers Zoom's endpoint.url_validation, a signed request
// whose payload carries a plainToken: 200 with {"plainToken": <it>,
// "encryptedToken": <hex HMAC-SHA256 of it under the secret token that
// signed the request>}. Zoom sends it when the endpoint is set and every
// 72 hours; Verify has already accepted r.
func (v *verifier) Handshake(r platform.Request) (challenge, format string, ok bool) {
	var m struct {
		Event   string `json:"event"`
		Payload struct {
			PlainToken string `json:"plainToken"`
		} `json:"payload"`
	}
	if json.Unmarshal(r.Body, &m) != nil || m.Event != urlValidation || m.Payload.PlainToken == "" {
		return "", "", false
	}
	secret, err := v.Signer(r)
	if err != nil {
		return "", "", false
	}
	answer, err := json.Marshal(map[string]string{
		"plainToken":     m.Payload.PlainToken,
		"encryptedToken": EncryptedToken(string(secret), m.Payload.PlainToken),
	})
	if err != nil {
		return "", "", false
	}
	return string(answer), platform.ChallengeRawJSON, true
}

// urlValidation is the event of Zoom's handshake.
const urlValidation = "endpoint.url_validation"

// EncryptedToken is the encryptedToken Zoom expects for plainToken under
// secret: the hex HMAC-SHA256 of the token.
func EncryptedToken(secret, plainToken string) string {
	return hex.EncodeToString(sig.MAC([]byte(secret), []byte(plainToken)))
}

// Signature returns the x-zm-signature and x-zm-request-timestamp values
// Zoom would send for body at ts under secret.
func Signature(secret string, ts time.Time, body []byte) (signature, timestamp string) {
	return Scheme.Signature(secret, ts, body)
}
