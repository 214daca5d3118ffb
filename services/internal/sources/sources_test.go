package sources

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const validFile = `
sources:
  - name: acme
    signature:
      header: X-Acme-Signature
      algorithm: hmac-sha256
      encoding: hex
      prefix: "sha256="
      content: "{timestamp}.{body}"
      timestamp_header: X-Acme-Timestamp
      tolerance: 2m
    dedup:
      json_path: data.id
    normalize:
      type_path: type
`

func TestParseValid(t *testing.T) {
	t.Parallel()
	ss, err := Parse("t", []byte(validFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 1 || ss[0].Signature.Tolerance.Duration != 2*time.Minute || ss[0].Normalize.TypePath != "type" {
		t.Fatalf("Parse = %+v", ss)
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	if ss, err := Load(""); ss != nil || err != nil {
		t.Fatalf("Load(\"\") = %v, %v", ss, err)
	}
	p := filepath.Join(t.TempDir(), "sources.yaml")
	if err := os.WriteFile(p, []byte(validFile), 0o600); err != nil {
		t.Fatal(err)
	}
	if ss, err := Load(p); err != nil || len(ss) != 1 {
		t.Fatalf("Load = %v, %v", ss, err)
	}
	if _, err := Load(p + ".missing"); err == nil {
		t.Fatal("missing file loaded")
	}
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, replace, with, wantErr string
	}{
		{"unknown algorithm", "hmac-sha256", "hmac-md5", "signature.algorithm"},
		{"unknown encoding", "encoding: hex", "encoding: base32", "signature.encoding"},
		{"unknown placeholder", "{timestamp}.{body}", "{timestamp}.{payload}", "unknown placeholder {payload}"},
		{"unclosed brace", "{timestamp}.{body}", "{timestamp}.{body", "unclosed {"},
		{"stray closing brace", "{timestamp}.{body}", "{timestamp}}.{body}", "unmatched }"},
		{"nested brace", "{timestamp}.{body}", "{time{stamp}}.{body}", "unclosed {"},
		{"no placeholder", `"{timestamp}.{body}"`, `"static"`, "signs no request data"},
		{"timestamp without header", "      timestamp_header: X-Acme-Timestamp\n", "", "timestamp_header is required"},
		{"timestamp header not signed", "{timestamp}.{body}", "{body}", "does not sign {timestamp}"},
		{"id without header", "{timestamp}.{body}", "{id}.{timestamp}.{body}", "id_header is required"},
		{"bad unit", "      tolerance: 2m\n", "      tolerance: 2m\n      timestamp_unit: us\n", "timestamp_unit"},
		{"negative tolerance", "tolerance: 2m", "tolerance: -2m", "tolerance"},
		{"prefix with a space", `prefix: "sha256="`, `prefix: "sha 256="`, "white space"},
		{"bad header name", "header: X-Acme-Signature", `header: "X Acme"`, "not a header name"},
		{"empty path segment", "json_path: data.id", "json_path: data..id", "empty segment"},
		{"path too deep", "json_path: data.id", "json_path: " + strings.Repeat("a.", 32) + "a", "at most 32"},
		{"missing algorithm", "      algorithm: hmac-sha256\n", "", "required"},
		{"unknown field", "      encoding: hex\n", "      encoding: hex\n      secret: x\n", "unknown field"},
		{"negative body cap", "    normalize:", "    max_body_bytes: -1\n    normalize:", "max_body_bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if !strings.Contains(validFile, tc.replace) {
				t.Fatalf("test bug: %q not in the file", tc.replace)
			}
			_, err := Parse("t", []byte(strings.Replace(validFile, tc.replace, tc.with, 1)))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Parse error = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestParseContent(t *testing.T) {
	t.Parallel()
	got := ParseContent("v0:{timestamp}:{body}")
	want := []Segment{{Literal: "v0:"}, {Placeholder: "timestamp"}, {Literal: ":"}, {Placeholder: "body"}}
	if len(got) != len(want) {
		t.Fatalf("ParseContent = %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("ParseContent = %+v, want %+v", got, want)
		}
	}
	if d := ParseContent(""); len(d) != 1 || d[0].Placeholder != "body" {
		t.Fatalf("default content = %+v", d)
	}
}

func FuzzValidateSignature(f *testing.F) {
	f.Add("{id}.{timestamp}.{body}", "v1,")
	f.Add("{", "}")
	f.Add("}{", "")
	f.Fuzz(func(t *testing.T, content, prefix string) {
		s := Signature{Header: "S", Algorithm: AlgHMACSHA256, Content: content, Prefix: prefix, TimestampHeader: "T", IDHeader: "I"}
		if ValidateSignature(s) != nil {
			return
		}
		// A valid template parses into known placeholders and literals
		// that together spell it.
		var b strings.Builder
		for _, seg := range ParseContent(content) {
			if seg.Placeholder != "" {
				switch seg.Placeholder {
				case PlaceholderBody, PlaceholderTimestamp, PlaceholderID, PlaceholderURL, PlaceholderMethod:
				default:
					t.Fatalf("valid %q parsed to unknown placeholder %q", content, seg.Placeholder)
				}
				b.WriteString("{" + seg.Placeholder + "}")
			} else {
				b.WriteString(seg.Literal)
			}
		}
		if b.String() != content && content != "" {
			t.Fatalf("ParseContent(%q) spells %q", content, b.String())
		}
	})
}

// TestDocsExample keeps the example of docs/platforms.md valid.
func TestDocsExample(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../../docs/platforms.md")
	if err != nil {
		t.Skip("docs/platforms.md not found:", err)
	}
	_, rest, ok := strings.Cut(string(b), "```yaml\n")
	example, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("no yaml example in docs/platforms.md")
	}
	ss, err := Parse("docs/platforms.md", []byte(example))
	if err != nil || len(ss) != 1 || ss[0].Name != "acme-pay" {
		t.Fatalf("docs example: %v, %v", ss, err)
	}
}
