package normalize

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
)

var update = flag.Bool("update", false, "rewrite testdata/*/*.golden.json from the current output")

// testReceivedAt is the receipt time of every golden case: fixed so the
// goldens do not change from run to run.
var testReceivedAt = time.Date(2024, 3, 8, 15, 30, 0, 0, time.UTC)

// goldenCase is one payload under testdata/<platform>/.
type goldenCase struct {
	platform, name string
	body           []byte
	headers        map[string]string
	goldenPath     string
}

// loadCases returns the cases of platform ("" for all), each a
// <case>.json with its <case>.headers.json.
func loadCases(tb testing.TB, platform string) []goldenCase {
	tb.Helper()
	if platform == "" {
		platform = "*"
	}
	paths, err := filepath.Glob(filepath.Join("testdata", platform, "*.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var cases []goldenCase
	for _, p := range paths {
		if strings.HasSuffix(p, ".headers.json") || strings.HasSuffix(p, ".golden.json") {
			continue
		}
		base := strings.TrimSuffix(p, ".json")
		body, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		hb, err := os.ReadFile(base + ".headers.json")
		if err != nil {
			tb.Fatalf("%s: every payload needs a headers file: %v", p, err)
		}
		var headers map[string]string
		if err := json.Unmarshal(hb, &headers); err != nil {
			tb.Fatalf("%s.headers.json: %v", base, err)
		}
		cases = append(cases, goldenCase{
			platform:   filepath.Base(filepath.Dir(p)),
			name:       filepath.Base(base),
			body:       body,
			headers:    headers,
			goldenPath: base + ".golden.json",
		})
	}
	if len(cases) == 0 {
		tb.Fatalf("no testdata cases for %q", platform)
	}
	return cases
}

var goldenJSON = protojson.MarshalOptions{UseProtoNames: true, Multiline: true, Indent: "  "}

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
			got, err := goldenJSON.Marshal(ev)
			if err != nil {
				t.Fatal(err)
			}
			// protojson adds random spaces to discourage byte comparison;
			// re-indent through encoding/json for a stable file.
			var buf bytes.Buffer
			if err := json.Indent(&buf, compact(t, got), "", "  "); err != nil {
				t.Fatal(err)
			}
			buf.WriteByte('\n')
			if *update {
				if err := os.WriteFile(c.goldenPath, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(c.goldenPath)
			if err != nil {
				t.Fatalf("read golden (run with -update to create it): %v", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("event differs from %s\n--- got\n%s--- want\n%s", c.goldenPath, buf.Bytes(), want)
			}
		})
	}
}

func compact(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
