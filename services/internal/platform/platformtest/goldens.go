package platformtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
	"testing"
	"time"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// ReceivedAt is the receipt time of every golden case: fixed so the
// goldens do not change from run to run.
var ReceivedAt = time.Date(2024, 3, 8, 15, 30, 0, 0, time.UTC)

// GoldenDir is where a platform's golden cases live in its TestData.
const GoldenDir = "testdata/normalize"

// UpdateEnv names the environment variable that, set to 1, makes Goldens
// rewrite the golden files from the current output (run in the platform's
// package directory; then READ the diff: a golden nobody checked proves
// nothing).
const UpdateEnv = "HOOKMESH_UPDATE_GOLDEN"

// GoldenCase is one payload of a golden directory: <Name>.json with its
// <Name>.headers.json and <Name>.golden.json.
type GoldenCase struct {
	// Name is the file name without .json.
	Name string
	// Headers have lower-case names.
	Headers map[string]string
	// Body is the payload.
	Body []byte
	// Golden is the expected event, as GoldenBytes formats it; nil when
	// the golden file does not exist yet.
	Golden []byte
	// GoldenPath is the golden file's path within the FS.
	GoldenPath string
}

// LoadCases returns the golden cases under dir of fsys. A payload without
// a headers file fails the test.
func LoadCases(tb testing.TB, fsys fs.FS, dir string) []GoldenCase {
	tb.Helper()
	paths, err := fs.Glob(fsys, path.Join(dir, "*.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var cases []GoldenCase
	for _, p := range paths {
		if strings.HasSuffix(p, ".headers.json") || strings.HasSuffix(p, ".golden.json") {
			continue
		}
		base := strings.TrimSuffix(p, ".json")
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			tb.Fatal(err)
		}
		hb, err := fs.ReadFile(fsys, base+".headers.json")
		if err != nil {
			tb.Fatalf("%s: every payload needs a headers file: %v", p, err)
		}
		var headers map[string]string
		if err := json.Unmarshal(hb, &headers); err != nil {
			tb.Fatalf("%s.headers.json: %v", base, err)
		}
		golden, _ := fs.ReadFile(fsys, base+".golden.json")
		cases = append(cases, GoldenCase{
			Name:       path.Base(base),
			Headers:    headers,
			Body:       body,
			Golden:     golden,
			GoldenPath: base + ".golden.json",
		})
	}
	return cases
}

// Normalize runs p's normalization of one webhook as the normalizer does
// (norm.Event with p's adapter and key).
func Normalize(p platform.Platform, headers map[string]string, body []byte, receivedAt time.Time) (*eventv1.NormalizedEvent, error) {
	return norm.Event(p.Name, p.Normalize, KeyOf(p), headers, body, receivedAt)
}

// KeyOf is p.Key with the checks eventkey.Derive adds: an empty id fails.
func KeyOf(p platform.Platform) norm.KeyFunc {
	return func(headers map[string]string, body []byte) (eventid.Key, error) {
		k, err := p.Key(headers, body)
		if err != nil {
			return eventid.Key{}, fmt.Errorf("normalize: event key: %w", err)
		}
		if k.EventID == "" {
			return eventid.Key{}, fmt.Errorf("normalize: event key: %s: no event id in the request: %w", p.Name, apperr.ErrInvalid)
		}
		return k, nil
	}
}

// Goldens normalizes every case of p's GoldenDir and compares the event
// with its golden file. With UpdateEnv=1 it rewrites the goldens under
// the working directory's GoldenDir instead.
func Goldens(t *testing.T, p platform.Platform) {
	t.Helper()
	cases := LoadCases(t, p.TestData, GoldenDir)
	if len(cases) == 0 {
		t.Fatalf("%s: no golden cases under %s", p.Name, GoldenDir)
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			ev, err := Normalize(p, c.Headers, c.Body, ReceivedAt)
			if err != nil {
				t.Fatalf("Normalize: %v", err)
			}
			CompareGolden(t, c, GoldenBytes(t, ev))
		})
	}
}

// CompareGolden compares got with c's golden, or with UpdateEnv=1 writes
// it to c.GoldenPath under the working directory.
func CompareGolden(t *testing.T, c GoldenCase, got []byte) {
	t.Helper()
	if os.Getenv(UpdateEnv) == "1" {
		if err := os.WriteFile(c.GoldenPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if c.Golden == nil {
		t.Fatalf("no golden %s (run with %s=1 to create it)", c.GoldenPath, UpdateEnv)
	}
	if !bytes.Equal(got, c.Golden) {
		t.Errorf("event differs from %s\n--- got\n%s--- want\n%s", c.GoldenPath, got, c.Golden)
	}
}

var goldenJSON = protojson.MarshalOptions{UseProtoNames: true, Multiline: true, Indent: "  "}

// GoldenBytes is m as stable, indented JSON with a final newline: the
// format of golden files.
func GoldenBytes(tb testing.TB, m proto.Message) []byte {
	tb.Helper()
	got, err := goldenJSON.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	// protojson adds random spaces to discourage byte comparison;
	// re-indent through encoding/json for a stable file.
	var compact bytes.Buffer
	if err := json.Compact(&compact, got); err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, compact.Bytes(), "", "  "); err != nil {
		tb.Fatal(err)
	}
	buf.WriteByte('\n')
	return buf.Bytes()
}
