package env

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hookmesh.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestFileLookupPrecedence(t *testing.T) {
	path := writeConfig(t, `
HOOKMESH_HTTP_ADDR: ":9000"
HOOKMESH_MAX_BODY_BYTES: 2097152
HOOKMESH_DEV_SECRETS: true
HOOKMESH_TOLERANCE_STRIPE: 300s
DATABASE_URL: postgres://u:p@db/hookmesh
`)
	environ := map[string]string{"HOOKMESH_HTTP_ADDR": ":8088", ConfigVar: path}
	lookup, err := WithConfigFile(lookupFrom(environ))
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"HOOKMESH_HTTP_ADDR":        ":8088", // the environment wins
		"HOOKMESH_MAX_BODY_BYTES":   "2097152",
		"HOOKMESH_DEV_SECRETS":      "true",
		"HOOKMESH_TOLERANCE_STRIPE": "300s",
		"DATABASE_URL":              "postgres://u:p@db/hookmesh",
	} {
		if got, ok := lookup(key); !ok || got != want {
			t.Errorf("%s = %q, %v; want %q", key, got, ok, want)
		}
	}
	if v, ok := lookup("HOOKMESH_ADMIN_ADDR"); ok {
		t.Errorf("unset key found: %q", v)
	}
	r := New(lookup)
	if got := r.Int64("HOOKMESH_MAX_BODY_BYTES", 0); got != 2097152 || r.Err() != nil {
		t.Errorf("Int64 = %d, %v", got, r.Err())
	}
}

func TestWithConfigFileUnset(t *testing.T) {
	lookup, err := WithConfigFile(lookupFrom(map[string]string{"HOOKMESH_X": "1"}))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := lookup("HOOKMESH_X"); v != "1" {
		t.Errorf("got %q", v)
	}
}

func TestFileLookupUnknownKeys(t *testing.T) {
	path := writeConfig(t, "HOOKMESH_HTTP_ADDR: ':9000'\nHTTP_ADDR: x\nsecret_stripe: y\nHOOKMESH_SOURCES: [a, b]\n")
	_, err := FileLookup(path, lookupFrom(nil))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{path, "HTTP_ADDR, secret_stripe", "HOOKMESH_SOURCES"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestFileLookupBadYAML(t *testing.T) {
	path := writeConfig(t, "HOOKMESH_HTTP_ADDR: [unclosed\n")
	_, err := FileLookup(path, lookupFrom(nil))
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("error %v does not name %s", err, path)
	}
	_, err = FileLookup(filepath.Join(t.TempDir(), "missing.yaml"), lookupFrom(nil))
	if err == nil || !strings.Contains(err.Error(), ConfigVar) || !strings.Contains(err.Error(), "missing.yaml") {
		t.Fatalf("missing file: %v", err)
	}
}
