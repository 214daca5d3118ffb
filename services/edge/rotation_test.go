package edge

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/edge/verify"
)

// writeSecretFile replaces the content of path the way Kubernetes updates a
// mounted Secret: a new file renamed over the old, never a half-written one.
func writeSecretFile(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

var rotationSeq atomic.Int64

// postSigned sends a webhook of platform signed with secret and returns
// the status.
func postSigned(t *testing.T, e *runningEdge, platform, secret string) int {
	t.Helper()
	id := fmt.Sprintf("rotation-%d", rotationSeq.Add(1))
	now := time.Now()
	h, body, err := verify.SignRequest(platform, verify.SignInput{Secret: secret, Now: now, ID: id, Body: logScanBody(platform, id, now),
		URL: e.URL + "/webhooks/" + platform})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/webhooks/"+platform, bytes.NewReader(body))
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// eventually polls until send answers want, for up to 10 s.
func eventually(t *testing.T, e *runningEdge, what string, want int, send func() int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := send()
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: status %d, want %d after 10s\n%s", what, got, want, e.Logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSecretFileRotation is the acceptance test: a secret rotated
// by rewriting its file is accepted without a restart while the old one
// still works, and the old one stops working once removed.
func TestSecretFileRotation(t *testing.T) {
	t.Parallel()
	const oldSecret, newSecret = "rotation-old-stripe-secret", "rotation-new-stripe-secret"
	file := filepath.Join(t.TempDir(), "stripe")
	writeSecretFile(t, file, oldSecret+"\n")
	cfg, err := ConfigFromEnv(lookupMap(map[string]string{
		"HOOKMESH_SECRET_STRIPE_FILE":    file,
		"HOOKMESH_SECRETS_POLL_INTERVAL": "50ms",
	}))
	if err != nil {
		t.Fatal(err)
	}
	e := startEdge(t, cfg)
	if got := postSigned(t, e, "stripe", oldSecret); got != http.StatusAccepted {
		t.Fatalf("old secret before rotation: %d", got)
	}
	if got := postSigned(t, e, "stripe", newSecret); got != http.StatusUnauthorized {
		t.Fatalf("new secret before rotation: %d", got)
	}

	writeSecretFile(t, file, newSecret+","+oldSecret)
	eventually(t, e, "new secret after adding it", http.StatusAccepted, func() int { return postSigned(t, e, "stripe", newSecret) })
	if got := postSigned(t, e, "stripe", oldSecret); got != http.StatusAccepted {
		t.Fatalf("old secret beside the new: %d", got)
	}

	writeSecretFile(t, file, newSecret)
	eventually(t, e, "old secret after removing it", http.StatusUnauthorized, func() int { return postSigned(t, e, "stripe", oldSecret) })
	if got := postSigned(t, e, "stripe", newSecret); got != http.StatusAccepted {
		t.Fatalf("new secret alone: %d", got)
	}

	// A file that cannot be used keeps the current secrets.
	writeSecretFile(t, file, "\n \n")
	waitLog(t, e, "secret file holds no secret")
	if got := postSigned(t, e, "stripe", newSecret); got != http.StatusAccepted {
		t.Fatalf("after an empty file: %d", got)
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	waitLog(t, e, "secret file unreadable")
	if got := postSigned(t, e, "stripe", newSecret); got != http.StatusAccepted {
		t.Fatalf("after the file was removed: %d", got)
	}
	for _, s := range []string{oldSecret, newSecret} {
		if strings.Contains(e.Logs.String(), s) {
			t.Errorf("a secret is in the log")
		}
	}
}

// TestSecretFileBadSecretKept: a new secret the platform rejects (a
// whsec_ that is not base64) keeps the old verifier and is logged without
// the secret; fixing the file is picked up.
func TestSecretFileBadSecretKept(t *testing.T) {
	t.Parallel()
	oldSecret := DevSecrets["standard"]
	const bad = "whsec_rotation!!not-base64!!"
	file := filepath.Join(t.TempDir(), "standard")
	writeSecretFile(t, file, oldSecret)
	cfg, err := ConfigFromEnv(lookupMap(map[string]string{
		"HOOKMESH_SECRET_STANDARD_FILE":  file,
		"HOOKMESH_SECRETS_POLL_INTERVAL": "50ms",
	}))
	if err != nil {
		t.Fatal(err)
	}
	e := startEdge(t, cfg)
	writeSecretFile(t, file, bad+"\n"+oldSecret)
	waitLog(t, e, "new secrets rejected")
	if got := postSigned(t, e, "standard", oldSecret); got != http.StatusAccepted {
		t.Fatalf("old secret after a bad rotation: %d", got)
	}
	if strings.Contains(e.Logs.String(), bad) {
		t.Error("the rejected secret is in the log")
	}
}

func waitLog(t *testing.T, e *runningEdge, line string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(e.Logs.String(), line) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q logged after 10s\n%s", line, e.Logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestConfigSecretFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "github")
	writeSecretFile(t, file, " f1, f2 \n\nenv1\n")
	cfg, err := ConfigFromEnv(lookupMap(map[string]string{
		"HOOKMESH_SECRET_GITHUB":      "env1,env2",
		"HOOKMESH_SECRET_GITHUB_FILE": file,
		"HOOKMESH_DEV_SECRETS":        "true",
	}))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range cfg.Platforms {
		switch p.Name {
		case "github":
			if !slices.Equal(p.Secrets, []string{"env1", "env2", "f1", "f2"}) || p.SecretsFile != file ||
				!slices.Equal(p.SecretSources, []string{SecretSourceEnv, SecretSourceFile}) {
				t.Errorf("github: %+v", p)
			}
		case "stripe":
			if !slices.Equal(p.SecretSources, []string{SecretSourceDev}) {
				t.Errorf("stripe: %+v", p.SecretSources)
			}
		}
	}

	empty := filepath.Join(dir, "empty")
	writeSecretFile(t, empty, "\n  \n")
	_, err = ConfigFromEnv(lookupMap(map[string]string{
		"HOOKMESH_SECRET_STRIPE_FILE": filepath.Join(dir, "missing"),
		"HOOKMESH_SECRET_SLACK_FILE":  empty,
	}))
	if err == nil {
		t.Fatal("missing and empty secret files accepted")
	}
	for _, want := range []string{"HOOKMESH_SECRET_STRIPE_FILE", "missing", "HOOKMESH_SECRET_SLACK_FILE", "no secret in the file"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

// TestConfigLogged: the effective configuration is one line with the
// number of secrets and their sources, never a value.
func TestConfigLogged(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "stripe")
	writeSecretFile(t, file, "config-log-secret-from-file")
	cfg, err := ConfigFromEnv(lookupMap(map[string]string{
		"HOOKMESH_SECRET_STRIPE":      "config-log-secret-from-env",
		"HOOKMESH_SECRET_STRIPE_FILE": file,
		"REDIS_URL":                   "redis://:config-log-redis-password@127.0.0.1:1/0",
	}))
	if err != nil {
		t.Fatal(err)
	}
	cfg.RedisURL = "" // no Redis here; redaction is checked below
	e := startEdge(t, cfg)
	logs := e.Logs.String()
	var line string
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, `msg="edge configuration"`) {
			line = l
		}
	}
	for _, want := range []string{"platforms.stripe.secrets=2", "platforms.stripe.secret_sources=env+file", "platforms.stripe.max_body_bytes=1048576", "max_inflight=512"} {
		if !strings.Contains(line, want) {
			t.Errorf("configuration line lacks %q:\n%s", want, line)
		}
	}
	if strings.Contains(logs, "config-log-secret") {
		t.Error("a secret is in the log")
	}
	if got := redactURL("redis://:config-log-redis-password@127.0.0.1:1/0"); strings.Contains(got, "config-log-redis-password") {
		t.Errorf("redactURL = %q", got)
	}
}
