package edge

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/edge/verify"
)

func lookupMap(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// TestDevSecretsCoverEveryPreset: `make run` (HOOKMESH_DEV_SECRETS=true)
// enables every preset, and what DevSigningSecrets signs, the dev secret
// verifies.
func TestDevSecretsCoverEveryPreset(t *testing.T) {
	t.Parallel()
	cfg, err := ConfigFromEnv(lookupMap(map[string]string{"HOOKMESH_DEV_SECRETS": "true"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Platforms) != len(verify.Platforms()) {
		t.Fatalf("dev config enables %d platforms, want all %d", len(cfg.Platforms), len(verify.Platforms()))
	}
	now := time.Unix(1_700_000_000, 0)
	body := []byte(`{"id":"evt_1","webhookTimestamp":1700000000000,"notificationItems":[{"NotificationRequestItem":{"pspReference":"p","eventCode":"E"}}]}`)
	for _, p := range verify.Platforms() {
		v, err := verify.New(p, []string{DevSecrets[p]}, 0)
		if err != nil {
			t.Fatalf("%s: dev secret refused: %v", p, err)
		}
		in := verify.SignInput{Secret: DevSigningSecrets[p], Now: now, ID: "msg_1", Body: body}
		if p == "twilio" {
			in.Body = []byte("AccountSid=AC1")
		}
		hd, signed, err := verify.SignRequest(p, in)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		r := verify.Request{Header: hd, Body: signed, Now: now, URL: verify.DefaultURL(p), Method: "POST"}
		if err := v.Verify(r); err != nil {
			t.Errorf("%s: dev signing secret does not verify: %v", p, err)
		}
	}
}

func TestConfigSources(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const src = `
sources:
  - name: acme-pay
    max_body_bytes: 4096
    signature: {header: X-Acme-Signature, algorithm: hmac-sha256, encoding: hex}
    dedup: {json_path: id}
    normalize: {type_path: type}
  - name: quiet
    signature: {header: X-Q, algorithm: hmac-sha1}
    dedup: {header: X-Q-Id}
    normalize: {type_path: type}
`
	ok := file("ok.yaml", src)
	cfg, err := ConfigFromEnv(lookupMap(map[string]string{
		"HOOKMESH_SOURCES_FILE":       ok,
		"HOOKMESH_SECRET_ACME_PAY":    "s1,s2",
		"HOOKMESH_TOLERANCE_ACME_PAY": "90s",
		"HOOKMESH_PUBLIC_URL":         "https://hooks.example.com",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Platforms) != 1 || cfg.Platforms[0].Name != "acme-pay" || cfg.Platforms[0].Source == nil ||
		cfg.Platforms[0].MaxBodyBytes != 4096 || !slices.Equal(cfg.Platforms[0].Secrets, []string{"s1", "s2"}) ||
		cfg.Platforms[0].Source.Signature.Tolerance.Duration != 90*time.Second {
		t.Fatalf("platforms = %+v", cfg.Platforms)
	}
	if cfg.PublicURL != "https://hooks.example.com" {
		t.Errorf("PublicURL = %q", cfg.PublicURL)
	}
	for _, c := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"clash with a preset", map[string]string{
			"HOOKMESH_SOURCES_FILE": file("clash.yaml", strings.Replace(src, "name: quiet", "name: stripe", 1)),
			"HOOKMESH_SECRET_QUIET": "x", "HOOKMESH_SECRET_GITHUB": "g",
		}, "name of a preset"},
		{"invalid file", map[string]string{
			"HOOKMESH_SOURCES_FILE": file("bad.yaml", strings.Replace(src, "hmac-sha1", "md5", 1)), "HOOKMESH_SECRET_GITHUB": "g",
		}, "signature.algorithm"},
		{"missing file", map[string]string{"HOOKMESH_SOURCES_FILE": filepath.Join(dir, "none.yaml"), "HOOKMESH_SECRET_GITHUB": "g"}, "HOOKMESH_SOURCES_FILE"},
		{"public URL with a path", map[string]string{"HOOKMESH_PUBLIC_URL": "https://h.example.com/x", "HOOKMESH_SECRET_GITHUB": "g"}, "HOOKMESH_PUBLIC_URL"},
		{"public URL without scheme", map[string]string{"HOOKMESH_PUBLIC_URL": "hooks.example.com", "HOOKMESH_SECRET_GITHUB": "g"}, "HOOKMESH_PUBLIC_URL"},
	} {
		if _, err := ConfigFromEnv(lookupMap(c.env)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one containing %q", c.name, err, c.want)
		}
	}
}
