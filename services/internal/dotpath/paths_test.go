package dotpath

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// sameAsLookup fails t unless r is what Lookup returns for p in o: the
// same kind and bytes (nil when nothing is found) and the same error text.
func sameAsLookup(t *testing.T, o Object, p Path, r Result) {
	t.Helper()
	v, err := o.Lookup(p)
	switch {
	case (err == nil) != (r.Err == nil) || (err != nil && err.Error() != r.Err.Error()):
		t.Fatalf("path %q: LookupAll error %v, Lookup %v", p, r.Err, err)
	case v.Kind != r.Kind || !bytes.Equal(v.Raw, r.Raw) || (v.Raw == nil) != (r.Raw == nil):
		t.Fatalf("path %q: LookupAll %s %q, Lookup %s %q", p, r.Kind, r.Raw, v.Kind, v.Raw)
	}
}

func TestLookupAll(t *testing.T) {
	body := `{"id":"evt_1","type":"charge.paid","data":{"object":{"id":"ch_1","amount":150,"customer":null,` +
		`"items":[{"id":"a"},{"id":"b"},[3,4]]},"s":"str"},"dup":{"x":1},"dup":{"y":2},"n":7,"t":true,"a.b":1}`
	o, err := ParseObject([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{
		"id", "type", "data.object.id", "data.object.amount", "data.object.customer", "data.object.customer.id",
		"data.object.items.1.id", "data.object.items.01.id", "data.object.items.+1", "data.object.items.2.1",
		"data.object.items.3", "data.object.items.x", "data.object.items.-1", "data.object.items.x.y",
		"data.s.x", "data.s.x.y", "n.0", "t.a", "dup.x", "dup.y", "dup", "missing", "missing.deeper",
		"a.b", "data", "id", "data.object.items.99999999999999999999",
	}
	paths := make([]Path, 0, len(texts)+1)
	for _, s := range texts {
		p, err := Compile(s)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	paths = append(paths, Path{}) // unset: finds nothing
	ps := CompilePaths(paths...)
	if ps.Len() != len(paths) {
		t.Fatalf("Len = %d, want %d", ps.Len(), len(paths))
	}
	dst := make([]Result, 0, ps.Len())
	res := o.LookupAll(ps, dst)
	for i, p := range paths {
		sameAsLookup(t, o, p, res[i])
	}
	// A few answers spelled out, so that the test does not rest on
	// Lookup alone.
	for i, want := range map[int]string{0: `"evt_1"`, 6: `"b"`, 7: `"b"`, 8: `{"id":"b"}`, 9: `4`, 19: `2`} {
		if string(res[i].Raw) != want {
			t.Errorf("%q = %q, want %s", paths[i], res[i].Raw, want)
		}
	}
	for i, want := range map[int]string{
		11: `"x" indexes an array`, 13: `"x" indexes an array`, 14: `"x" is inside a string`,
		15: `"x" is inside a string`, 16: `"0" is inside a number`, 17: `"a" is inside a boolean`,
	} {
		if res[i].Err == nil || res[i].Err.Error() != want {
			t.Errorf("%q: error %v, want %s", paths[i], res[i].Err, want)
		}
	}
	// Eight paths fail: making their errors is all it allocates.
	if n := testing.AllocsPerRun(10, func() { o.LookupAll(ps, dst) }); n > 8*3 {
		t.Errorf("LookupAll allocates %v times per call, want at most three per failing path (8): its text", n)
	}
	ok := CompilePaths(paths[:11]...)
	okDst := make([]Result, 0, ok.Len())
	if n := testing.AllocsPerRun(10, func() { o.LookupAll(ok, okDst) }); n != 0 {
		t.Errorf("LookupAll without errors allocates %v times per call", n)
	}
	if got := (Object{}).LookupAll(ps, nil); len(got) != len(paths) || got[0].Found() || got[11].Err != nil {
		t.Errorf("zero Object: LookupAll = %v", got)
	}
}

// TestLookupAllRepeatedScalar: a key repeated many times with a value the
// path cannot go into costs one error, not one per repetition.
func TestLookupAllRepeatedScalar(t *testing.T) {
	body := `{` + strings.Repeat(`"a":1,`, 1000) + `"b":2}`
	o, err := ParseObject([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := Compile("a.x")
	ps := CompilePaths(p)
	dst := make([]Result, 0, 1)
	if n := testing.AllocsPerRun(10, func() { o.LookupAll(ps, dst) }); n > 3 {
		t.Errorf("LookupAll allocates %v times, want one error made (3)", n)
	}
	sameAsLookup(t, o, p, o.LookupAll(ps, dst)[0])
}

// FuzzLookupAll: on any body and any set of paths ("|" between paths),
// LookupAll returns for each path exactly what Lookup does (value, kind,
// error text), and never panics.
func FuzzLookupAll(f *testing.F) {
	for _, s := range [][2]string{
		{`{"data":{"object":{"id":"ch_1","amount":1}},"id":"e"}`, "data.object.id|data.object.amount|id|data.id"},
		{`{"items":[{"id":"a"},{"id":"b"}]}`, "items.1.id|items.01.id|items.+1.id|items.x|items.-1|items.1"},
		{`{"m":[[1,2],[3,[4]]]}`, "m.1.1.0|m.0|m.0.5|m.1.0.x|m.1.1.x"},
		{`{"a":"x","b":1,"c":false,"d":null}`, "a.b|b.c|c.d|d.e|a.b.c"},
		{`{"a":1,"a":{"b":2}}`, "a.b|a"},
		{`{"a":{"b":2},"a":1}`, "a.b|a"},
		{`{"a":{"b":2},"a":null}`, "a.b|a"},
		{`{"a":[1],"a":{"0":2}}`, "a.0|a.x"},
		{`{"a":{"0":2},"a":[1]}`, "a.0|a.x"},
		{`{"a":[{"b":1}],"a":[]}`, "a.0.b|a.0"},
		{`{"\u0069d":"x","\ud800":1}`, "id|\uFFFD"},
		{"{\"\xff\":1}", "\uFFFD"},
		{` { "a" : [ 1 , "]" ] , "b" : "}" } `, "a|b|a.0|a.1|a.2"},
		{`{"a*":1,"#":{"@this":{"x|y":[true]}}}`, `a*|#.@this.x|y.0`},
		{`{"a":1}`, "a||a..b"},
		{`{"a":1}`, "a|a"},
		{`[{"a":1}]`, "0.a"},
		{`{"a":`, "a"},
		{``, "a"},
	} {
		f.Add([]byte(s[0]), s[1])
	}
	f.Fuzz(func(t *testing.T, body []byte, spec string) {
		var paths []Path
		for s := range strings.SplitSeq(spec, "|") {
			if len(paths) == 8 {
				break
			}
			p, _ := Compile(s) // a path that does not compile: zero, finds nothing
			paths = append(paths, p)
		}
		o, _ := ParseObject(body) // not an object: the zero Object finds nothing
		res := o.LookupAll(CompilePaths(paths...), nil)
		if len(res) != len(paths) {
			t.Fatalf("%d results for %d paths", len(res), len(paths))
		}
		for i, p := range paths {
			sameAsLookup(t, o, p, res[i])
		}
	})
}

// BenchmarkLookupAll: five paths of a 15 KB body, found in one pass and
// one path at a time with Lookup.
func BenchmarkLookupAll(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"id":"evt_1","type":"charge.paid","data":{"object":{"metadata":{`)
	for i := 0; sb.Len() < 15<<10; i++ {
		fmt.Fprintf(&sb, `"key_%d":"value with some text \u00e9 %d",`, i, i)
	}
	sb.WriteString(`"last":0},"id":"ch_1","customer":"cus_1","amount":1999,"currency":"usd"}}}`)
	body := []byte(sb.String())
	o, err := ParseObject(body)
	if err != nil {
		b.Fatal(err)
	}
	var paths []Path
	for _, s := range []string{"type", "data.object.id", "data.object.customer", "data.object.amount", "data.object.currency", "id"} {
		p, _ := Compile(s)
		paths = append(paths, p)
	}
	ps := CompilePaths(paths...)
	dst := make([]Result, 0, ps.Len())
	b.Run("one-pass", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if r := o.LookupAll(ps, dst); !r[5].Found() {
				b.Fatal("not found")
			}
		}
	})
	b.Run("per-path", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			for _, p := range paths {
				if v, _ := o.Lookup(p); !v.Found() {
					b.Fatal("not found")
				}
			}
		}
	})
}
