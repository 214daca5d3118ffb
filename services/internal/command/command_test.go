package command

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExec(t *testing.T) {
	t.Parallel()
	env := map[string]string{"HOOKMESH_LOG_FORMAT": "json"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	var out strings.Builder
	code := Exec(context.Background(), "svc", lookup, &out, func(_ context.Context, _ func(string) (string, bool), log *slog.Logger) error {
		log.Info("hello")
		return nil
	})
	if code != 0 || !strings.Contains(out.String(), `"service":"svc"`) {
		t.Errorf("code %d, output %q: want 0 and a JSON line tagged with the service", code, out.String())
	}
	out.Reset()
	code = Exec(context.Background(), "svc", lookup, &out, func(context.Context, func(string) (string, bool), *slog.Logger) error {
		return errors.New("DATABASE_URL is required")
	})
	if code != 1 || !strings.Contains(out.String(), "svc: DATABASE_URL is required") {
		t.Errorf("code %d, output %q: want 1 and the error", code, out.String())
	}
	env["HOOKMESH_LOG_LEVEL"] = "loud"
	if code := Exec(context.Background(), "svc", lookup, &out, nil); code != 1 {
		t.Errorf("a bad log level gave code %d, want 1", code)
	}
}

func TestExecConfigFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "hookmesh.yaml")
	if err := os.WriteFile(path, []byte("HOOKMESH_LOG_FORMAT: json\nHOOKMESH_HTTP_ADDR: ':9000'\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HOOKMESH_CONFIG": path}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	var out strings.Builder
	var addr string
	code := Exec(context.Background(), "svc", lookup, &out, func(_ context.Context, lookup func(string) (string, bool), log *slog.Logger) error {
		addr, _ = lookup("HOOKMESH_HTTP_ADDR")
		log.Info("hello")
		return nil
	})
	if code != 0 || addr != ":9000" || !strings.Contains(out.String(), `"service":"svc"`) {
		t.Errorf("code %d, addr %q, output %q: want the file's values", code, addr, out.String())
	}
	if err := os.WriteFile(path, []byte("HTTP_ADDR: ':9000'\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := Exec(context.Background(), "svc", lookup, &out, nil); code != 1 || !strings.Contains(out.String(), "unknown keys HTTP_ADDR") {
		t.Errorf("code %d, output %q: want 1 and the unknown key", code, out.String())
	}
}
