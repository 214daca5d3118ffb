package jsonscan

import (
	"encoding/json"
	"testing"
)

// TestValueEnd: on valid JSON, ValueEnd ends each value where
// encoding/json's decoder does, escaped quotes and nesting included.
func TestValueEnd(t *testing.T) {
	for _, v := range []string{
		`"plain"`, `"esc \" quote"`, `"back\\\\"`, `"\\\\\" still"`, `123`, `-1.5e3`, `true`, `null`,
		`{"a":[1,{"b":"}"}],"c":"]"}`, `[[],{},"[",{"x":"\\\"}"}]`,
	} {
		if !json.Valid([]byte(v)) {
			t.Fatalf("test case %s is not valid JSON", v)
		}
		b := []byte(v + ` , "rest"`)
		end := ValueEnd(b, 0)
		if got := string(b[:end]); got != v {
			t.Errorf("ValueEnd(%s) ends at %q", v, got)
		}
		if !json.Valid(b[:end]) {
			t.Errorf("%q is not a whole value", b[:end])
		}
	}
	if i := SkipSpace([]byte(" \t\r\n x"), 0); i != 5 {
		t.Errorf("SkipSpace = %d, want 5", i)
	}
	if r, ok := Hex4([]byte("00e9")); !ok || r != 'é' {
		t.Errorf("Hex4(00e9) = %q, %v", r, ok)
	}
	if _, ok := Hex4([]byte("00g9")); ok {
		t.Error("Hex4 accepted a non-hex digit")
	}
}

// TestEachMember: EachMember visits every member of an object in order,
// with its key's literal and its value's start, ends just past the object,
// and stops when visit answers a negative end.
func TestEachMember(t *testing.T) {
	b := []byte(` { "a" : [1,"}"] , "b\"c":{"a":2},"d":null } ,"rest"`)
	var got []string
	end := EachMember(b, 1, func(key []byte, v int) int {
		vend := ValueEnd(b, v)
		got = append(got, string(key)+"="+string(b[v:vend]))
		return vend
	})
	want := []string{`"a"=[1,"}"]`, `"b\"c"={"a":2}`, `"d"=null`}
	if len(got) != len(want) {
		t.Fatalf("visited %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("member %d = %q, want %q", i, got[i], want[i])
		}
	}
	if string(b[:end]) != ` { "a" : [1,"}"] , "b\"c":{"a":2},"d":null }` {
		t.Errorf("EachMember ends at %q", b[:end])
	}
	if end := EachMember([]byte(`{ }x`), 0, nil); end != 3 {
		t.Errorf("EachMember({ }) = %d, want 3", end)
	}
	visits := 0
	if end := EachMember(b, 1, func([]byte, int) int { visits++; return -1 }); end != -1 || visits != 1 {
		t.Errorf("stopped walk = %d after %d visits, want -1 after 1", end, visits)
	}
}

// referenceStringEnd is StringEnd's definition: the first quote that no
// odd run of backslashes precedes.
func referenceStringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		if b[j] != '"' {
			continue
		}
		n := 0
		for m := j - 1; m > i && b[m] == '\\'; m-- {
			n++
		}
		if n%2 == 0 {
			return j + 1
		}
	}
	return len(b)
}

// FuzzValueEnd: any input, however invalid, never makes the scanner
// (ValueEnd, EachMember) panic or return an index outside the text, and
// StringEnd ends where its definition says.
func FuzzValueEnd(f *testing.F) {
	f.Add([]byte(`{"a":"\"}`), 0)
	f.Add([]byte(`"\\`), 0)
	f.Add([]byte(`{"a":1,"b" :{"c":[2]}, "d"`), 0)
	f.Add([]byte(`"a long string, \\"escaped\\\\" and \\\\\\" quoted\\\\"`), 0)
	f.Fuzz(func(t *testing.T, b []byte, i int) {
		if len(b) == 0 || i < 0 || i >= len(b) {
			return
		}
		if e := ValueEnd(b, i); e < i || e > len(b) {
			t.Fatalf("ValueEnd = %d outside [%d, %d]", e, i, len(b))
		}
		if e, want := StringEnd(b, i), referenceStringEnd(b, i); e != want {
			t.Fatalf("StringEnd(%q, %d) = %d, want %d", b, i, e, want)
		}
		if b[i] == '{' {
			e := EachMember(b, i, func(key []byte, v int) int {
				if v <= i || v >= len(b) {
					t.Fatalf("EachMember: value at %d outside (%d, %d)", v, i, len(b))
				}
				return ValueEnd(b, v)
			})
			if e <= i || e > len(b) {
				t.Fatalf("EachMember = %d outside (%d, %d]", e, i, len(b))
			}
		}
	})
}
