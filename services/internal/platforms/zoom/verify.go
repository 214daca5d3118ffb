package zoom

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
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

type verifier struct {
	keys [][]byte
	tol  time.Duration
}

// NewVerifier returns a Verifier of Zoom's x-zm-signature header: "v0="
// and the hex HMAC-SHA256 of "v0:<x-zm-request-timestamp>:<body>" keyed
// with the app's secret token as-is. Several tokens may be active while
// one is rotated. A non-positive tolerance means DefaultTolerance. The
// verifier also answers the endpoint.url_validation handshake
// (platform.SecretHandshaker).
func NewVerifier(secrets []string, tolerance time.Duration) platform.Verifier {
	return &verifier{keys: sig.KeyList(secrets), tol: sig.OrDefault(tolerance, DefaultTolerance)}
}

// Verify checks the x-zm-signature and x-zm-request-timestamp headers of
// r.
func (v *verifier) Verify(r platform.Request) error {
	_, err := v.signer(r)
	return err
}

// signer verifies r and returns the secret that signed it.
func (v *verifier) signer(r platform.Request) ([]byte, error) {
	if len(v.keys) == 0 {
		return nil, sig.Fail(name, sig.ReasonNoSecrets)
	}
	h, t := r.HeaderValue(signatureHeader), r.HeaderValue(timestampHeader)
	switch {
	case h == "":
		return nil, sig.Fail(name, sig.ReasonNoHeader)
	case t == "":
		return nil, sig.Fail(name, "missing timestamp")
	}
	ts, ok := sig.ParseUnix(t)
	if !ok {
		return nil, sig.Fail(name, sig.ReasonBadTimestamp)
	}
	mac, ok := sig.DecodeHexN(h, "v0=", sha256.Size)
	if !ok {
		return nil, sig.Fail(name, sig.ReasonMalformed)
	}
	if err := sig.CheckWindow(name, ts, r.NowOrClock(), v.tol); err != nil {
		return nil, err
	}
	for _, k := range v.keys {
		if hmac.Equal(sig.MAC(k, []byte("v0:"), []byte(t), []byte(":"), r.Body), mac) {
			return k, nil
		}
	}
	return nil, sig.Fail(name, "no v0 match")
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
	secret, err := v.signer(r)
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
	timestamp = strconv.FormatInt(ts.Unix(), 10)
	return "v0=" + hex.EncodeToString(sig.MAC([]byte(secret), []byte("v0:"), []byte(timestamp), []byte(":"), body)), timestamp
}

// sign is Platform.Sign: both headers; the body is sent as it is.
func sign(in platform.SignInput) (http.Header, []byte, error) {
	s, t := Signature(in.Secret, in.Now, in.Body)
	return http.Header{signatureHeader: {s}, timestampHeader: {t}}, in.Body, nil
}
