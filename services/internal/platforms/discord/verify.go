package discord

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	discordPlatform        = "discord"
	discordSignatureHeader = "X-Signature-Ed25519"
	discordTimestampHeader = "X-Signature-Timestamp"
)

// DefaultTolerance is our choice: Discord signs the timestamp but
// documents no window, so we apply the common 5 minutes, both directions.
const DefaultTolerance = 5 * time.Minute

type discordVerifier struct {
	keys []ed25519.PublicKey
	tol  time.Duration
}

// NewVerifier returns a Verifier of Discord's interaction and
// webhook-event requests: X-Signature-Ed25519 is the hex Ed25519 signature
// of X-Signature-Timestamp (unix seconds, as sent) followed by the raw
// body. Each "secret" is an application's public key in hex (64 digits), as
// the Developer Portal shows it; several may be listed. It fails, wrapping
// apperr.ErrInvalid, when a key does not decode.
func NewVerifier(publicKeys []string, tolerance time.Duration) (platform.Verifier, error) {
	keys, err := sig.Ed25519PublicKeys(discordPlatform, publicKeys)
	if err != nil {
		return nil, err
	}
	return &discordVerifier{keys: keys, tol: sig.OrDefault(tolerance, DefaultTolerance)}, nil
}

// Verify checks the X-Signature-Ed25519 of r.
func (v *discordVerifier) Verify(r platform.Request) error {
	if len(v.keys) == 0 {
		return sig.Fail(discordPlatform, sig.ReasonNoSecrets)
	}
	h := r.HeaderValue(discordSignatureHeader)
	if h == "" {
		return sig.Fail(discordPlatform, "missing X-Signature-Ed25519 header")
	}
	t := r.HeaderValue(discordTimestampHeader)
	if t == "" {
		return sig.Fail(discordPlatform, "missing X-Signature-Timestamp header")
	}
	ts, ok := sig.ParseUnix(t)
	if !ok {
		return sig.Fail(discordPlatform, sig.ReasonBadTimestamp)
	}
	s, ok := sig.DecodeHexN(h, "", ed25519.SignatureSize)
	if !ok {
		return sig.Fail(discordPlatform, sig.ReasonMalformed)
	}
	if err := sig.CheckWindow(discordPlatform, ts, r.NowOrClock(), v.tol); err != nil {
		return err
	}
	msg := make([]byte, 0, len(t)+len(r.Body))
	msg = append(append(msg, t...), r.Body...)
	for _, k := range v.keys {
		if ed25519.Verify(k, msg, s) {
			return nil
		}
	}
	return sig.Fail(discordPlatform, "no signature match")
}

// Signature returns the X-Signature-Ed25519 and X-Signature-Timestamp
// values Discord would send for body at ts, signed with privateKey (a hex
// or base64 Ed25519 seed or private key).
func Signature(privateKey string, ts time.Time, body []byte) (signature, timestamp string, err error) {
	k, err := sig.Ed25519PrivateKey(privateKey)
	if err != nil {
		return "", "", err
	}
	timestamp = strconv.FormatInt(ts.Unix(), 10)
	msg := append([]byte(timestamp), body...)
	return hex.EncodeToString(ed25519.Sign(k, msg)), timestamp, nil
}

// sign is Platform.Sign: in.Secret is the private key.
func sign(in platform.SignInput) (http.Header, []byte, error) {
	s, ts, err := Signature(in.Secret, in.Now, in.Body)
	if err != nil {
		return nil, nil, err
	}
	return http.Header{discordSignatureHeader: {s}, discordTimestampHeader: {ts}}, in.Body, nil
}

// testKeys are the key pairs platformtest signs and verifies with: the
// primary is the development pair (the seed is the SHA-256 of a public
// string: never for production), which verify.DevKeyPair and `make run`
// use; then a rotated and a stranger's pair.
func testKeys() []platform.KeyPair {
	pair := func(label string) platform.KeyPair {
		seed := sha256.Sum256([]byte(label))
		k := ed25519.NewKeyFromSeed(seed[:])
		return platform.KeyPair{Sign: hex.EncodeToString(seed[:]), Verify: hex.EncodeToString(k.Public().(ed25519.PublicKey))}
	}
	return []platform.KeyPair{pair("hookmesh-development-discord"), pair("another discord application"), pair("a stranger's discord application")}
}
