package normalize

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms"
	"google.golang.org/protobuf/proto"
)

var update = flag.Bool("update", false, "rewrite testdata/*/*.golden.json from the current output")

// testReceivedAt is the receipt time of every golden case: fixed so the
// goldens do not change from run to run.
var testReceivedAt = platformtest.ReceivedAt

// goldenCase is one payload under testdata/<platform>/, or under the
// testdata of a registered platform's package.
type goldenCase struct {
	platform, name string
	body           []byte
	headers        map[string]string
	platformtest.GoldenCase
}

// loadCases returns the cases of platform ("" for all), each a
// <case>.json with its <case>.headers.json: the registered platforms'
// from their packages, the others' from testdata/<platform>/.
func loadCases(tb testing.TB, platform string) []goldenCase {
	tb.Helper()
	var cases []goldenCase
	add := func(name string, fsys fs.FS, dir string) {
		for _, c := range platformtest.LoadCases(tb, fsys, dir) {
			cases = append(cases, goldenCase{platform: name, name: c.Name, body: c.Body, headers: c.Headers, GoldenCase: c})
		}
	}
	for _, p := range platforms.All() {
		if platform == "" || platform == p.Name {
			add(p.Name, p.TestData, platformtest.GoldenDir)
		}
	}
	dirs := []string{platform}
	if platform == "" {
		entries, err := os.ReadDir("testdata")
		if err != nil {
			tb.Fatal(err)
		}
		dirs = dirs[:0]
		for _, e := range entries {
			if e.IsDir() && e.Name() != "fuzz" {
				dirs = append(dirs, e.Name())
			}
		}
	}
	for _, d := range dirs {
		if _, registered := platforms.Lookup(d); !registered {
			add(d, os.DirFS("testdata"), d)
		}
	}
	if len(cases) == 0 {
		tb.Fatalf("no testdata cases for %q", platform)
	}
	return cases
}

// TestGolden normalizes every testdata payload and compares the event with
// its hand-checked golden file. Run with -update to rewrite the goldens,
// then READ the diff: a golden nobody checked proves nothing.
func TestGolden(t *testing.T) {
	t.Parallel()
	for _, c := range loadCases(t, "") {
		t.Run(c.platform+"/"+c.name, func(t *testing.T) {
			t.Parallel()
			ev, err := testNormalizer(t).Normalize(c.platform, c.headers, c.body, testReceivedAt)
			if err != nil {
				t.Fatalf("Normalize: %v", err)
			}
			compareGolden(t, c.platform, c.GoldenCase, goldenBytes(t, ev))
		})
	}
}

// TestGoldenItems normalizes every batch payload of the platforms that
// batch and compares its events, one per item, with <case>.items.golden.json
// (a JSON array). Its event (the first item, keyed by the whole batch) is
// TestGolden's; a one-item batch's only event must be that event.
func TestGoldenItems(t *testing.T) {
	t.Parallel()
	var batching []string
	for _, p := range platforms.All() {
		if p.Items != nil {
			batching = append(batching, p.Name)
		}
	}
	for _, platform := range batching {
		for _, c := range loadCases(t, platform) {
			t.Run(c.platform+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				ev, events, err := testNormalizer(t).NormalizeAll(c.platform, c.headers, c.body, testReceivedAt)
				if err != nil {
					t.Fatalf("NormalizeAll: %v", err)
				}
				if ev.GetMetadata()["item_count"] == "1" {
					if len(events) != 1 || events[0] != ev {
						t.Fatalf("one-item batch: events %v, want only its event", events)
					}
					return
				}
				var buf bytes.Buffer
				buf.WriteString("[\n")
				for i, e := range events {
					if i > 0 {
						buf.WriteString(",\n")
					}
					buf.Write(bytes.TrimSuffix(goldenBytes(t, e), []byte("\n")))
				}
				buf.WriteString("\n]\n")
				items := strings.TrimSuffix(c.GoldenPath, ".golden.json") + ".items.golden.json"
				var want []byte
				if p, registered := platforms.Lookup(c.platform); registered {
					// A registered platform's items golden is in its
					// package's testdata.
					want, _ = fs.ReadFile(p.TestData, items)
				} else {
					want, _ = os.ReadFile(filepath.Join("testdata", items))
				}
				compareGolden(t, c.platform, platformtest.GoldenCase{Golden: want, GoldenPath: items}, buf.Bytes())
			})
		}
	}
}

// goldenBytes is m as stable, indented JSON with a final newline.
func goldenBytes(t *testing.T, m proto.Message) []byte { return platformtest.GoldenBytes(t, m) }

// compareGolden compares got with c's golden, or with -update writes it
// under testdata/. -update rewrites only the goldens of platforms that are
// not registered: c.GoldenPath is relative to testdata/ for those, but to
// the registered platform's package for the others, whose goldens are
// rewritten in that package (see platformtest.UpdateEnv).
func compareGolden(t *testing.T, platform string, c platformtest.GoldenCase, got []byte) {
	t.Helper()
	if _, registered := platforms.Lookup(platform); registered {
		platformtest.CompareGolden(t, c, got)
		return
	}
	if *update {
		if err := os.WriteFile(filepath.Join("testdata", c.GoldenPath), got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	platformtest.CompareGolden(t, c, got)
}
