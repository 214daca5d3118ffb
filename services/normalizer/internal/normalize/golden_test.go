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
	"google.golang.org/protobuf/proto"
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
			compareGolden(t, c.goldenPath, goldenBytes(t, ev))
		})
	}
}

// TestGoldenItems normalizes every batch payload of the platforms that
// batch and compares its events, one per item, with <case>.items.golden.json
// (a JSON array). Its event (the first item, keyed by the whole batch) is
// TestGolden's; a one-item batch's only event must be that event.
func TestGoldenItems(t *testing.T) {
	t.Parallel()
	for platform := range itemsAdapters {
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
				compareGolden(t, strings.TrimSuffix(c.goldenPath, ".golden.json")+".items.golden.json", buf.Bytes())
			})
		}
	}
}

// goldenBytes is m as stable, indented JSON with a final newline.
func goldenBytes(t *testing.T, m proto.Message) []byte {
	t.Helper()
	got, err := goldenJSON.Marshal(m)
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
	return buf.Bytes()
}

// compareGolden compares got with the golden file at path, or with
// -update writes it there.
func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("event differs from %s\n--- got\n%s--- want\n%s", path, got, want)
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
