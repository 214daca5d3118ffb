package verify

import (
	"fmt"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	registry "github.com/hookmesh/hookmesh/services/internal/platforms"
)

// DevKeyPair returns the deterministic development key pair of an
// asymmetric preset: verifySecret is what the edge is configured with (the
// public key, in the platform's own format: hex Ed25519 for discord,
// base64 DER SubjectPublicKeyInfo for sendgrid) and signSecret what Sign
// takes (the private key: hex Ed25519 seed for discord, base64 PKCS#8 DER
// for sendgrid). They are the platform package's primary test pair
// (platform.Platform.TestKeys), derived from a public string, so anyone can
// sign with them: they exist for `make run`, tests and tools, never for
// production. A platform that is not asymmetric wraps apperr.ErrNotFound
// (its development secret is one shared string, see edge.DevSecrets).
func DevKeyPair(platform string) (verifySecret, signSecret string, err error) {
	if p, ok := registry.Lookup(platform); ok && p.Asymmetric && len(p.TestKeys) > 0 {
		return p.TestKeys[0].Verify, p.TestKeys[0].Sign, nil
	}
	return "", "", fmt.Errorf("dev key pair: %q is not an asymmetric platform: %w", platform, apperr.ErrNotFound)
}
