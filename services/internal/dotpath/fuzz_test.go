package dotpath

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// referenceLookup is the walk Lookup replaced (the normalizer's configured
// lookup before dotpath): each step decodes the value it is in with
// encoding/json. It is kept as the specification FuzzLookup checks Lookup
// against, with one deliberate change marked below. errored reports an
// error; ok a value found.
func referenceLookup(root json.RawMessage, path string) (raw json.RawMessage, ok, errored bool) {
	cur := root
	for seg := range strings.SplitSeq(path, ".") {
		trimmed := bytes.TrimLeft(cur, " \t\r\n")
		if len(trimmed) == 0 {
			return nil, false, false
		}
		switch trimmed[0] {
		case '{':
			var obj map[string]json.RawMessage
			if err := json.Unmarshal(trimmed, &obj); err != nil {
				return nil, false, true
			}
			next, ok := obj[seg]
			if !ok {
				return nil, false, false
			}
			cur = next
		case '[':
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 {
				return nil, false, true
			}
			var arr []json.RawMessage
			if err := json.Unmarshal(trimmed, &arr); err != nil {
				return nil, false, true
			}
			if i >= len(arr) {
				return nil, false, false
			}
			cur = arr[i]
		case 'n':
			// The deliberate change: a null on the way finds nothing, as
			// a null at the end does; the old walk called it an error
			// (a path "inside a scalar"), failing the whole event.
			return nil, false, false
		default:
			return nil, false, true
		}
	}
	cur = bytes.TrimSpace(cur)
	if len(cur) == 0 || string(cur) == "null" {
		return nil, false, false
	}
	return cur, true, false
}

// FuzzLookup checks ParseObject against encoding/json's verdict and
// Lookup against referenceLookup on any body and path, repeated keys
// included (both take the last), and that neither ever panics.
func FuzzLookup(f *testing.F) {
	for _, s := range [][2]string{
		{`{"data":{"object":{"id":"ch_1"}}}`, "data.object.id"},
		{`{"items":[{"id":"a"},{"id":"b"}]}`, "items.1.id"},
		{`{"items":[1]}`, "items.x"},
		{`{"items":[1]}`, "items.+0"},
		{`{"a":"x"}`, "a.b"},
		{`{"a":null}`, "a.b"},
		{`{"a":1,"a":2}`, "a"},
		{`{"a":{"b":1},"a":{"c":2}}`, "a.b"},
		{`{"\u0069d":"x"}`, "id"},
		{`{"\ud800":1,"\ud83d\ude00":2}`, "\uFFFD"},
		{"{\"\xff\":1}", "\uFFFD"},
		{`{"a\\b":{"#":{"@this":{"x|y":[true]}}}}`, `a\b.#.@this.x|y.0`},
		{`{"a*":1,"a?":2}`, "a*"},
		{`{"a":"\"}","b":{"c":"]\\"}}`, "b.c"},
		{` {"a" : [ 1 , 2 ] } `, "a.1"},
		{`[{"a":1}]`, "0.a"},
		{`{"a":1}{}`, "a"},
		{`{"a":`, "a"},
		{``, "a"},
		{`{"a":1}`, "a..b"},
	} {
		f.Add([]byte(s[0]), s[1])
	}
	f.Fuzz(func(t *testing.T, body []byte, path string) {
		o, err := ParseObject(body)
		trimmed := bytes.TrimLeft(body, " \t\r\n")
		wantValid := json.Valid(body) && len(trimmed) > 0 && trimmed[0] == '{'
		if (err == nil) != wantValid {
			t.Fatalf("ParseObject(%q) = %v; encoding/json says valid object %v", body, err, wantValid)
		}
		p, cerr := Compile(path)
		v, lerr := o.Lookup(p) // a zero Object or Path: nothing found
		if (err != nil || cerr != nil) && (lerr != nil || v.Found()) {
			t.Fatalf("Lookup on an unusable body or path = %v, %v", v, lerr)
		}
		if err != nil || cerr != nil {
			return
		}
		raw, ok, errored := referenceLookup(body, path)
		switch {
		case errored != (lerr != nil):
			t.Fatalf("body %q path %q: Lookup error %v, reference error %v", body, path, lerr, errored)
		case ok != v.Found():
			t.Fatalf("body %q path %q: Lookup found %v (%q), reference %v (%q)", body, path, v.Found(), v.Raw, ok, raw)
		case ok && !bytes.Equal(raw, v.Raw):
			t.Fatalf("body %q path %q: Lookup %q, reference %q", body, path, v.Raw, raw)
		case ok && v.Kind != kindAt(raw, 0):
			t.Fatalf("body %q path %q: kind %s of %q", body, path, v.Kind, v.Raw)
		}
	})
}
