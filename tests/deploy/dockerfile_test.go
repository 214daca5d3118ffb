package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDockerfiles checks what can be checked without a Docker engine:
// each image copies the go.mod of every module go.work lists (workspace
// mode fails without them), builds its own cmd package statically, and
// runs as a non-root user.
func TestDockerfiles(t *testing.T) {
	work, err := os.ReadFile("../../go.work")
	if err != nil {
		t.Fatal(err)
	}
	var modules []string
	if m := regexp.MustCompile(`(?s)use\s*\((.*?)\)`).FindSubmatch(work); m != nil {
		for _, f := range strings.Fields(string(m[1])) {
			modules = append(modules, strings.TrimPrefix(f, "./"))
		}
	}
	for _, l := range regexp.MustCompile(`(?m)^use\s+([^(\s]\S*)\s*$`).FindAllSubmatch(work, -1) {
		modules = append(modules, strings.TrimPrefix(string(l[1]), "./"))
	}
	if len(modules) == 0 {
		t.Fatal("no modules in go.work")
	}
	for _, svc := range []string{"edge", "normalizer", "ledger", "dispatcher", "hookmesh"} {
		path := filepath.Join("../../services", svc, "Dockerfile")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s: %v", svc, err)
			continue
		}
		text := string(b)
		for _, m := range modules {
			if !strings.Contains(text, "COPY "+m+"/go.mod ") {
				t.Errorf("%s: does not copy %s/go.mod (go.work lists it)", path, m)
			}
		}
		cmd := "./services/" + svc + "/cmd/" + svc
		if !strings.Contains(text, cmd) {
			t.Errorf("%s: does not build %s", path, cmd)
		}
		if _, err := os.Stat(filepath.Join("../..", cmd)); err != nil {
			t.Errorf("%s: %v", path, err)
		}
		for _, want := range []string{"CGO_ENABLED=0", "-trimpath", `-ldflags="-s -w"`, "FROM golang:", "FROM gcr.io/distroless/static-debian12:nonroot"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: no %s", path, want)
			}
		}
		users := regexp.MustCompile(`(?m)^USER\s+(\S+)`).FindAllStringSubmatch(text, -1)
		if len(users) == 0 || strings.HasPrefix(users[len(users)-1][1], "0") || strings.HasPrefix(users[len(users)-1][1], "root") {
			t.Errorf("%s: the final USER is not a non-root user", path)
		}
	}
	ignore, err := os.ReadFile("../../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(ignore), "\n") {
		for _, keep := range []string{"gen", "services", "examples", "go.work"} {
			if strings.TrimSpace(line) == keep {
				t.Errorf(".dockerignore excludes %s, which the images are built from", keep)
			}
		}
	}
}
