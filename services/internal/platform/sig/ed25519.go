package sig

import (
	"crypto/ed25519"
	"fmt"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
)

// Ed25519PublicKeys decodes public keys given as hex (Discord's form) or
// standard base64 (padded or not), dropping empty entries. A key that does
// not decode to 32 bytes wraps apperr.ErrInvalid; the error names its
// index, never the key.
func Ed25519PublicKeys(platform string, secrets []string) ([]ed25519.PublicKey, error) {
	keys := make([]ed25519.PublicKey, 0, len(secrets))
	for i, s := range secrets {
		if s == "" {
			continue
		}
		b, ok := decodeKey(s, ed25519.PublicKeySize)
		if !ok {
			return nil, fmt.Errorf("%s: public key #%d is not %d bytes of hex or base64: %w", platform, i+1, ed25519.PublicKeySize, apperr.ErrInvalid)
		}
		keys = append(keys, ed25519.PublicKey(b))
	}
	return keys, nil
}

// Ed25519PrivateKey decodes a signing secret: a 32-byte seed or a 64-byte
// private key, in hex or base64.
func Ed25519PrivateKey(secret string) (ed25519.PrivateKey, error) {
	if b, ok := decodeKey(secret, ed25519.SeedSize); ok {
		return ed25519.NewKeyFromSeed(b), nil
	}
	if b, ok := decodeKey(secret, ed25519.PrivateKeySize); ok {
		return ed25519.PrivateKey(b), nil
	}
	return nil, fmt.Errorf("ed25519 private key: want a 32-byte seed or 64-byte key in hex or base64: %w", apperr.ErrInvalid)
}

// decodeKey decodes exactly size bytes of hex, or of standard base64
// (padded or not).
func decodeKey(s string, size int) ([]byte, bool) {
	if b, ok := DecodeHexN(s, "", size); ok {
		return b, true
	}
	if b, ok := DecodeBase64N(s, size); ok {
		return b, true
	}
	if b, ok := DecodeBase64Raw(s, size); ok {
		return b, true
	}
	return nil, false
}
