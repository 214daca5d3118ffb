package jsonscan

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// validCases are texts at the edges of the grammar, each checked against
// json.Valid.
var validCases = []string{
	``, ` `, `{}`, `[]`, ` {} `, "\t[\r\n]\n", `{`, `}`, `[`, `]`, `{]`, `[}`, `{}}`, `[]]`, `{} {}`, `{},`,
	`{"a":1}`, `{"a":1,}`, `{"a" : [1 , 2] , "b":{}}`, `{"a"}`, `{"a":}`, `{a:1}`, `{"a":1 "b":2}`, `{,}`, `[,]`, `[1,]`, `[1 2]`,
	`{'a':1}`, `{"a":1,"a":2}`, `[[[[]]]]`, `[[[[]]]`, `[{"a":[{"b":{}}]}]`,
	`"x"`, `"`, `"\"`, `"\\"`, `"\/\b\f\n\r\t"`, `"\u00e9\uD83D\uDE00"`, `"\ud800"`, `"\u00g0"`, `"\u00e"`, `"\x"`, `"\'"`,
	"\"a\x00\"", "\"a\x1f\"", "\"a\x7f\"", "\"\xff\xfe\"", "\"\xc3\xa9\"", `"a` + "\n" + `"`,
	`0`, `-0`, `00`, `01`, `-`, `-01`, `1.`, `1.0`, `.5`, `1e`, `1e+`, `1e5`, `1E-5`, `1.5e+10`, `-1.5E07`, `1.e5`, `+1`,
	`0x10`, `1_000`, `123456789012345678901234567890`, `1 2`, `1,`,
	`true`, `false`, `null`, `tru`, `nul`, `truex`, `True`, `NULL`, `[true,false,null]`, `[truefalse]`, `nan`, `Infinity`,
	"\xef\xbb\xbf{}", "{}\x00", "\v{}", "\f{}",
}

func TestValid(t *testing.T) {
	for _, s := range validCases {
		if got, want := Valid([]byte(s)), json.Valid([]byte(s)); got != want {
			t.Errorf("Valid(%q) = %v, json.Valid %v", s, got, want)
		}
	}
	// The nesting limit: MaxDepth open values pass, one more fails, for
	// arrays, objects and both mixed.
	for _, depth := range []int{MaxDepth - 1, MaxDepth, MaxDepth + 1} {
		for name, open := range map[string][2]string{"arrays": {`[`, `]`}, "objects": {`{"a":`, `}`}} {
			s := strings.Repeat(open[0], depth) + "1" + strings.Repeat(open[1], depth)
			if got, want := Valid([]byte(s)), json.Valid([]byte(s)); got != want || got != (depth <= MaxDepth) {
				t.Errorf("%d nested %s: Valid = %v, json.Valid %v", depth, name, got, want)
			}
		}
		s := strings.Repeat(`[{"a":`, depth/2) + strings.Repeat(`[`, depth%2) + `[]` + strings.Repeat(`]`, depth%2) + strings.Repeat(`}]`, depth/2)
		if got, want := Valid([]byte(s)), json.Valid([]byte(s)); got != want {
			t.Errorf("%d nested, mixed: Valid = %v, json.Valid %v", depth+1, got, want)
		}
	}
	// A container closed by the other kind's bracket, past 64 levels (the
	// bit set's word boundary).
	s := strings.Repeat(`[`, 70) + `{` + strings.Repeat(`]`, 71)
	if Valid([]byte(s)) {
		t.Errorf("Valid accepted an object closed by ]")
	}
	body := webhookBody(30)
	if n := testing.AllocsPerRun(10, func() { Valid(body) }); n != 0 {
		t.Errorf("Valid allocates: %v allocations per run", n)
	}
}

// FuzzValid: on any input, Valid answers as json.Valid does.
func FuzzValid(f *testing.F) {
	for _, s := range validCases {
		f.Add([]byte(s))
	}
	f.Add(webhookBody(2))
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := Valid(b), json.Valid(b); got != want {
			t.Fatalf("Valid(%q) = %v, json.Valid %v", b, got, want)
		}
	})
}

// webhookBody is a GitHub push of n commits, about 15 KB for n = 30, with
// escapes, numbers, booleans and nesting.
func webhookBody(n int) []byte {
	var commits []string
	for i := range n {
		commits = append(commits, fmt.Sprintf(`{"id":"%040d","distinct":true,"message":"commit %d: fix the \"thing\"\nthat was broken in the module \u00e9","timestamp":"2026-12-06T04:00:00Z","url":"https://github.com/octo/repo/commit/%040d","author":{"name":"Octo Cat","email":"octo@example.com","username":"octocat"},"committer":{"name":"GitHub","email":"noreply@github.com","username":"web-flow"},"added":["a/b/c.go"],"removed":[],"modified":["README.md","go.mod"],"stats":{"additions":%d,"deletions":-1.5e2,"total":null}}`, i, i, i, i*37))
	}
	return []byte(`{"ref":"refs/heads/main","before":"` + strings.Repeat("a", 40) + `","after":"` + strings.Repeat("b", 40) +
		`","repository":{"id":1296269,"full_name":"octo/repo","private":false,"owner":{"login":"octo","id":1}},"commits":[` +
		strings.Join(commits, ",") + "]}\n")
}

// BenchmarkValid: a 15 KB webhook body, by Valid and by json.Valid.
func BenchmarkValid(b *testing.B) {
	body := webhookBody(30)
	for _, v := range []struct {
		name  string
		valid func([]byte) bool
	}{{"jsonscan", Valid}, {"encoding-json", json.Valid}} {
		b.Run(fmt.Sprintf("%dKB/%s", len(body)>>10, v.name), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if !v.valid(body) {
					b.Fatal("invalid")
				}
			}
		})
	}
}
