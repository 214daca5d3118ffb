package verify

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
)

const (
	discordPlatform        = "discord"
	discordSignatureHeader = "X-Signature-Ed25519"
	discordTimestampHeader = "X-Signature-Timestamp"
)

// DefaultDiscordTolerance is our choice: Discord signs the timestamp but
// documents no window, so we apply the common 5 minutes, both directions.
const DefaultDiscordTolerance = 5 * time.Minute

type discordVerifier struct {
	keys []ed25519.PublicKey
	tol  time.Duration
}

// Discord returns a Verifier of Discord's interaction and webhook-event
// requests: X-Signature-Ed25519 is the hex Ed25519 signature of
// X-Signature-Timestamp (unix seconds, as sent) followed by the raw body.
// Each "secret" is an application's public key in hex (64 digits), as the
// Developer Portal shows it; several may be listed. It fails, wrapping
// apperr.ErrInvalid, when a key does not decode.
func Discord(publicKeys []string, tolerance time.Duration) (Verifier, error) {
	keys, err := ed25519PublicKeys(discordPlatform, publicKeys)
	if err != nil {
		return nil, err
	}
	return &discordVerifier{keys: keys, tol: orDefault(tolerance, DefaultDiscordTolerance)}, nil
}

func (v *discordVerifier) Verify(r Request) error {
	if len(v.keys) == 0 {
		return fail(discordPlatform, reasonNoSecrets)
	}
	h := r.HeaderValue(discordSignatureHeader)
	if h == "" {
		return fail(discordPlatform, "missing X-Signature-Ed25519 header")
	}
	t := r.HeaderValue(discordTimestampHeader)
	if t == "" {
		return fail(discordPlatform, "missing X-Signature-Timestamp header")
	}
	ts, ok := parseUnix(t)
	if !ok {
		return fail(discordPlatform, reasonBadTimestamp)
	}
	sig, ok := decodeHexN(h, "", ed25519.SignatureSize)
	if !ok {
		return fail(discordPlatform, reasonMalformed)
	}
	if err := checkWindow(discordPlatform, ts, r.NowOrClock(), v.tol); err != nil {
		return err
	}
	msg := make([]byte, 0, len(t)+len(r.Body))
	msg = append(append(msg, t...), r.Body...)
	for _, k := range v.keys {
		if ed25519.Verify(k, msg, sig) {
			return nil
		}
	}
	return fail(discordPlatform, "no signature match")
}

// ed25519PublicKeys decodes hex (or, for configured sources, base64)
// public keys, dropping empty entries.
func ed25519PublicKeys(platform string, secrets []string) ([]ed25519.PublicKey, error) {
	keys := make([]ed25519.PublicKey, 0, len(secrets))
	for i, s := range secrets {
		if s == "" {
			continue
		}
		b, ok := decodeKeyBytes(s, ed25519.PublicKeySize)
		if !ok {
			return nil, fmt.Errorf("%s: public key #%d is not %d bytes of hex or base64: %w", platform, i+1, ed25519.PublicKeySize, apperr.ErrInvalid)
		}
		keys = append(keys, ed25519.PublicKey(b))
	}
	return keys, nil
}

// ed25519PrivateKey decodes a signing secret: a 32-byte seed or a 64-byte
// private key, in hex or base64.
func ed25519PrivateKey(secret string) (ed25519.PrivateKey, error) {
	if b, ok := decodeKeyBytes(secret, ed25519.SeedSize); ok {
		return ed25519.NewKeyFromSeed(b), nil
	}
	if b, ok := decodeKeyBytes(secret, ed25519.PrivateKeySize); ok {
		return ed25519.PrivateKey(b), nil
	}
	return nil, fmt.Errorf("ed25519 private key: want a 32-byte seed or 64-byte key in hex or base64: %w", apperr.ErrInvalid)
}

// decodeKeyBytes decodes exactly size bytes of hex, or of standard base64
// (padded or not).
func decodeKeyBytes(s string, size int) ([]byte, bool) {
	if b, ok := decodeHexN(s, "", size); ok {
		return b, true
	}
	if b, ok := decodeBase64N(s, size); ok {
		return b, true
	}
	if b, ok := decodeBase64Raw(s, size); ok {
		return b, true
	}
	return nil, false
}

// SignDiscord returns the X-Signature-Ed25519 and X-Signature-Timestamp
// values Discord would send for body at ts, signed with privateKey (a hex
// or base64 Ed25519 seed or private key).
func SignDiscord(privateKey string, ts time.Time, body []byte) (signature, timestamp string, err error) {
	k, err := ed25519PrivateKey(privateKey)
	if err != nil {
		return "", "", err
	}
	timestamp = strconv.FormatInt(ts.Unix(), 10)
	msg := append([]byte(timestamp), body...)
	return hex.EncodeToString(ed25519.Sign(k, msg)), timestamp, nil
}
