package dotpath

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestMembers(t *testing.T) {
	body := `{"ref":"main","data":{"object":{"amount":150,"customer":null},"id":"x"},"a.b":1,` +
		`"dup":{"x":1,"y":2},"dup":{"y":3},"s":"str","arr":[{"x":1}],"k\u00e9y":true,"last":{}}`
	o, err := ParseObject([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path []string
		want string // "" for absent
	}{
		{[]string{"ref"}, `"main"`},
		{[]string{"data", "object", "amount"}, `150`},
		{[]string{"data", "object", "customer"}, `null`},
		{[]string{"data", "object"}, `{"amount":150,"customer":null}`},
		{[]string{"data", "id"}, `"x"`},
		{[]string{"data", "nope"}, ``},
		{[]string{"a.b"}, `1`},
		{[]string{"a", "b"}, ``},
		{[]string{"dup", "x"}, ``}, // only in the first, replaced "dup"
		{[]string{"dup", "y"}, `3`},
		{[]string{"s", "x"}, ``},
		{[]string{"arr", "0"}, ``}, // arrays are not looked into
		{[]string{"kéy"}, `true`},
		{[]string{"last"}, `{}`},
		{nil, body},
	} {
		m := CompileMembers([][]string{tt.path})
		got := o.Members(m, nil)
		if len(got) != 1 || string(got[0]) != tt.want || (got[0] == nil) != (tt.want == "") {
			t.Errorf("Members(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
	// All at once, in the order asked, a path given twice included.
	paths := [][]string{{"data", "id"}, {"ref"}, {"data", "object", "amount"}, {"dup", "y"}, {"missing"}, {"ref"}}
	m := CompileMembers(paths)
	dst := make([][]byte, 0, m.Len())
	got := o.Members(m, dst)
	want := []string{`"x"`, `"main"`, `150`, `3`, ``, `"main"`}
	for i := range want {
		if string(got[i]) != want[i] {
			t.Errorf("Members(%q)[%d] = %q, want %q", paths, i, got[i], want[i])
		}
	}
	if n := testing.AllocsPerRun(10, func() { o.Members(m, dst) }); n != 0 {
		t.Errorf("Members allocates %v times per call", n)
	}
	if got := (Object{}).Members(m, nil); len(got) != len(paths) || got[0] != nil {
		t.Errorf("zero Object: Members = %q", got)
	}
}

// referenceMember is what a full encoding/json decode has at path: the
// value and whether there is one (null included).
func referenceMember(v any, path []string) (any, bool) {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

// FuzzMembers: on any body and any set of paths ("|" between paths, "."
// between keys), Members finds exactly what a full decode of the body with
// encoding/json has at each path, each value a whole JSON text of its own,
// and never panics.
func FuzzMembers(f *testing.F) {
	for _, s := range [][2]string{
		{`{"data":{"object":{"id":"ch_1","amount":1}}}`, "data.object.id|data.object.amount|data.id"},
		{`{"a":1,"a":{"b":2}}`, "a.b|a"},
		{`{"a":{"b":2},"a":1}`, "a.b|a"},
		{`{"a":{"b":{"c":1}},"a":{"b":null}}`, "a.b.c|a.b"},
		{`{"\u0069d":"x","\ud800":1}`, "id|\uFFFD"},
		{"{\"\xff\":1}", "\uFFFD"},
		{` { "a" : [ 1 ] , "b" : "}" } `, "a|b|a.0"},
		{`{"":{"":1}}`, ".|"},
		{`{"a":1}`, ""},
		{`[{"a":1}]`, "a"},
		{`{"a":`, "a"},
	} {
		f.Add([]byte(s[0]), s[1])
	}
	f.Fuzz(func(t *testing.T, body []byte, spec string) {
		var paths [][]string
		for p := range strings.SplitSeq(spec, "|") {
			if len(paths) == 8 {
				break
			}
			paths = append(paths, strings.Split(p, "."))
		}
		o, err := ParseObject(body)
		vals := o.Members(CompileMembers(paths), nil)
		if len(vals) != len(paths) {
			t.Fatalf("%d values for %d paths", len(vals), len(paths))
		}
		if err != nil {
			for _, v := range vals {
				if v != nil {
					t.Fatalf("a value %q in a body that is not an object", v)
				}
			}
			return
		}
		var full any
		if err := json.Unmarshal(body, &full); err != nil {
			t.Fatalf("ParseObject accepted %q: %v", body, err)
		}
		for i, p := range paths {
			want, ok := referenceMember(full, p)
			if (vals[i] != nil) != ok {
				t.Fatalf("body %q path %q: Members %q; a full decode has a value: %v", body, p, vals[i], ok)
			}
			if !ok {
				continue
			}
			if !bytes.Equal(bytes.TrimSpace(vals[i]), vals[i]) {
				t.Fatalf("body %q path %q: %q has white space around it", body, p, vals[i])
			}
			var got any
			if err := json.Unmarshal(vals[i], &got); err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("body %q path %q: Members %q (%v); a full decode %#v", body, p, vals[i], err, want)
			}
		}
	})
}

// BenchmarkMembers: three paths of a 15 KB push, found in one pass and
// one path at a time with Member and MemberObject.
func BenchmarkMembers(b *testing.B) {
	var commits []string
	for i := range 20 {
		commits = append(commits, fmt.Sprintf(`{"id":"%040d","message":"commit %d: fix the thing that was broken","url":"https://github.com/octo/repo/commit/%040d","author":{"name":"Octo Cat","email":"octo@example.com"},"added":["a/b/c.go"],"removed":[],"modified":["README.md","go.mod"],"timestamp":"2026-12-06T04:00:00Z","distinct":true,"committer":{"name":"GitHub","email":"noreply@github.com","username":"web-flow"}}`, i, i, i))
	}
	body := []byte(`{"ref":"refs/heads/main","repository":{"id":1296269,"full_name":"octo/repo","owner":{"login":"octo","id":1}},"commits":[` +
		strings.Join(commits, ",") + `],"sender":{"login":"octocat","id":2}}`)
	o, err := ParseObject(body)
	if err != nil {
		b.Fatal(err)
	}
	paths := [][]string{{"ref"}, {"repository", "full_name"}, {"sender", "login"}}
	m := CompileMembers(paths)
	dst := make([][]byte, 0, m.Len())
	b.Run("one-pass", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if v := o.Members(m, dst); v[2] == nil {
				b.Fatal("not found")
			}
		}
	})
	b.Run("per-path", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			for _, p := range paths {
				sub := o
				for _, k := range p[:len(p)-1] {
					sub, _ = sub.MemberObject(k)
				}
				if _, ok := sub.Member(p[len(p)-1]); !ok {
					b.Fatal("not found")
				}
			}
		}
	})
}
