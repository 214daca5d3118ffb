//go:build unix

package edge

import (
	"net/http"
	"path/filepath"
	"syscall"
	"testing"
)

// TestSecretFileSIGHUP: with polling too slow to notice, SIGHUP re-reads
// the secret files. Run installs the handler before it serves, so the
// signal never reaches the default action while the edge runs.
func TestSecretFileSIGHUP(t *testing.T) {
	t.Parallel()
	const oldSecret, newSecret = "sighup-old-stripe-secret", "sighup-new-stripe-secret"
	file := filepath.Join(t.TempDir(), "stripe")
	writeSecretFile(t, file, oldSecret)
	cfg, err := ConfigFromEnv(lookupMap(map[string]string{
		"HOOKMESH_SECRET_STRIPE_FILE":    file,
		"HOOKMESH_SECRETS_POLL_INTERVAL": "1h",
	}))
	if err != nil {
		t.Fatal(err)
	}
	e := startEdge(t, cfg)
	writeSecretFile(t, file, newSecret)
	if got := postSigned(t, e, "stripe", newSecret); got != http.StatusUnauthorized {
		t.Fatalf("new secret before SIGHUP: %d", got)
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	eventually(t, e, "new secret after SIGHUP", http.StatusAccepted, func() int { return postSigned(t, e, "stripe", newSecret) })
	if got := postSigned(t, e, "stripe", oldSecret); got != http.StatusUnauthorized {
		t.Fatalf("old secret after SIGHUP: %d", got)
	}
}
