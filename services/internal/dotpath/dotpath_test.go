package dotpath

import (
	"errors"
	"strings"
	"testing"
)

func TestCompile(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		path string
		ok   bool
	}{
		{"id", true},
		{"data.object.id", true},
		{"items.0.id", true},
		{`a*b.c?.#.@this.x|y.back\slash`, true},
		{strings.Repeat("a.", MaxSegments-1) + "a", true},
		{strings.Repeat("a.", MaxSegments) + "a", false},
		{"", false},
		{".", false},
		{"a.", false},
		{".a", false},
		{"a..b", false},
	} {
		p, err := Compile(tt.path)
		if (err == nil) != tt.ok {
			t.Errorf("Compile(%q) = %v, want ok %v", tt.path, err, tt.ok)
			continue
		}
		if tt.ok && (p.String() != tt.path || p.IsZero()) {
			t.Errorf("Compile(%q) = %q", tt.path, p)
		}
	}
	if !(Path{}).IsZero() {
		t.Error("zero Path is not zero")
	}
}

func TestParseObject(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		body    string
		wantErr string // "" for none
	}{
		{`{}`, ""},
		{" \t\r\n{\"a\":1} \n", ""},
		{`{"a":[1,{"b":null}],"c":"\u00e9\ud800"}`, ""},
		{``, "not a JSON object"},
		{`   `, "not a JSON object"},
		{`null`, "not a JSON object"},
		{`[{"a":1}]`, "not a JSON object"},
		{`"{}"`, "not a JSON object"},
		{`kind=x`, "not a JSON object"},
		{`{"a":1},`, "invalid JSON: invalid character ','"},
		{`{"a":1`, "invalid JSON: unexpected end"},
		{`{"a":01}`, "invalid JSON"},
		{"{\"a\":\"\x01\"}", "invalid JSON"},
		{`{"a":1}{}`, "invalid JSON"},
		{`{"a":` + strings.Repeat(`[`, 10001) + strings.Repeat(`]`, 10001) + `}`, "exceeded max depth"},
	} {
		_, err := ParseObject([]byte(tt.body))
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("ParseObject(%.40q) = %v", tt.body, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("ParseObject(%.40q) = %v, want %q", tt.body, err, tt.wantErr)
		case tt.wantErr == "not a JSON object" && !errors.Is(err, ErrNotObject):
			t.Errorf("ParseObject(%.40q) = %v, want ErrNotObject", tt.body, err)
		}
	}
}

// TestLookup pins the meaning of a path, the one the encoding/json walk
// had (FuzzLookup compares the two on any input), plus the deliberate
// change: a null on the way is not found rather than an error.
func TestLookup(t *testing.T) {
	t.Parallel()
	const notFound = "<not found>"
	tests := []struct {
		name, body, path string
		want             string // raw JSON, notFound, or the start of an error
		wantKind         Kind
		wantErr          bool
	}{
		{"top-level string", `{"id":"evt_1"}`, "id", `"evt_1"`, String, false},
		{"nested", `{"data":{"object":{"id":"ch_1"}}}`, "data.object.id", `"ch_1"`, String, false},
		{"number as written", `{"id":12345678901234567890}`, "id", `12345678901234567890`, Number, false},
		{"float as written", `{"a":1.50e+3}`, "a", `1.50e+3`, Number, false},
		{"bool", `{"a":true}`, "a", `true`, Bool, false},
		{"object", `{"a": {"b" : [1, 2]} }`, "a", `{"b" : [1, 2]}`, ObjectKind, false},
		{"array", `{"a":[1,[2],{"x":"]"}]}`, "a", `[1,[2],{"x":"]"}]`, Array, false},
		{"white space around", "{ \"a\" :\n\t\"x\" ,\"b\":1}", "a", `"x"`, String, false},
		{"string with escaped quote", `{"a":"x\"y\\","b":2}`, "b", `2`, Number, false},
		{"value with brackets in strings skipped", `{"a":{"s":"}}]]{"},"b":3}`, "b", `3`, Number, false},

		{"array index", `{"items":[{"id":"a"},{"id":"b"}]}`, "items.1.id", `"b"`, String, false},
		{"array index 0", `{"items":[ "a" , "b" ]}`, "items.0", `"a"`, String, false},
		{"array index with a plus, as Atoi reads it", `{"items":["a","b"]}`, "items.+1", `"b"`, String, false},
		{"array index with leading zeros", `{"items":["a","b"]}`, "items.01", `"b"`, String, false},
		{"array index past the end", `{"items":["a"]}`, "items.1", notFound, Absent, false},
		{"empty array", `{"items":[]}`, "items.0", notFound, Absent, false},
		{"array index negative", `{"items":["a"]}`, "items.-1", "", Absent, true},
		{"array indexed by a name", `{"items":["a"]}`, "items.id", "", Absent, true},
		{"array index beyond int", `{"items":["a"]}`, "items.99999999999999999999", "", Absent, true},
		{"digits are a key in an object", `{"a":{"0":"zero"}}`, "a.0", `"zero"`, String, false},
		{"top-level array index in nested arrays", `{"m":[[1,2],[3,4]]}`, "m.1.0", `3`, Number, false},

		{"absent", `{"a":1}`, "b", notFound, Absent, false},
		{"absent deeper", `{"a":{}}`, "a.b.c", notFound, Absent, false},
		{"null", `{"a":null}`, "a", notFound, Absent, false},
		{"null on the way", `{"a":null}`, "a.b", notFound, Absent, false},
		{"into a string", `{"a":"x"}`, "a.b", "", Absent, true},
		{"into a number", `{"a":1}`, "a.b", "", Absent, true},
		{"into a boolean", `{"a":false}`, "a.0", "", Absent, true},

		{"repeated key: the last wins", `{"a":1,"a":2}`, "a", `2`, Number, false},
		{"repeated key: the last wins on the way", `{"a":{"b":1},"a":{"c":2}}`, "a.b", notFound, Absent, false},
		{"repeated key: a later null wins", `{"a":1,"a":null}`, "a", notFound, Absent, false},
		{"repeated key: a later scalar wins", `{"a":{"b":1},"a":"s"}`, "a.b", "", Absent, true},
		{"repeated key inside", `{"a":{"b":1,"b":3}}`, "a.b", `3`, Number, false},

		{"key with a star", `{"a*":1,"ab":2}`, "a*", `1`, Number, false},
		{"star is no wildcard", `{"ab":2}`, "a*", notFound, Absent, false},
		{"question mark is no wildcard", `{"ab":2}`, "a?", notFound, Absent, false},
		{"key with a question mark", `{"a?":1}`, "a?", `1`, Number, false},
		{"hash is no count", `{"items":[1,2]}`, "items.#", "", Absent, true},
		{"key hash", `{"#":1}`, "#", `1`, Number, false},
		{"at is no modifier", `{"@this":{"x":1}}`, "@this.x", `1`, Number, false},
		{"at modifier name absent", `{"x":1}`, "@this", notFound, Absent, false},
		{"pipe is no pipe", `{"a|b":1,"a":{"b":2}}`, "a|b", `1`, Number, false},
		{"backslash is plain", `{"a\\b":1,"ab":2}`, `a\b`, `1`, Number, false},
		{"backslash dot is a split", `{"a\\":{"b":3},"a.b":4}`, `a\.b`, `3`, Number, false},
		{"escaped key", `{"\u0069d":"x"}`, "id", `"x"`, String, false},
		{"escaped slash in key", `{"a\/b":1}`, "a/b", `1`, Number, false},
		{"escaped quote in key", `{"a\"b":1}`, `a"b`, `1`, Number, false},
		{"surrogate pair key", `{"\ud83d\ude00":1}`, "\U0001F600", `1`, Number, false},
		{"non-ASCII key", `{"é":1}`, "é", `1`, Number, false},
		{"lone surrogate key is U+FFFD", `{"\ud800":1}`, "\uFFFD", `1`, Number, false},
		{"invalid UTF-8 key is U+FFFD", "{\"\xff\":1}", "\uFFFD", `1`, Number, false},
		{"key prefix is no match", `{"ab":1}`, "a", notFound, Absent, false},
		{"longer key is no match", `{"a":1}`, "ab", notFound, Absent, false},
		{"empty key", `{"":1,"a":{"":2}}`, "a", `{"":2}`, ObjectKind, false},
	}
	for _, tt := range tests {
		o, err := ParseObject([]byte(tt.body))
		if err != nil {
			t.Errorf("%s: ParseObject: %v", tt.name, err)
			continue
		}
		p, err := Compile(tt.path)
		if err != nil {
			t.Errorf("%s: Compile: %v", tt.name, err)
			continue
		}
		v, err := o.Lookup(p)
		switch {
		case tt.wantErr:
			if err == nil {
				t.Errorf("%s: Lookup = %s %q, want an error", tt.name, v.Kind, v.Raw)
			}
		case err != nil:
			t.Errorf("%s: Lookup: %v", tt.name, err)
		case tt.want == notFound:
			if v.Found() || v.Raw != nil {
				t.Errorf("%s: Lookup = %s %q, want not found", tt.name, v.Kind, v.Raw)
			}
		case string(v.Raw) != tt.want || v.Kind != tt.wantKind:
			t.Errorf("%s: Lookup = %s %q, want %s %q", tt.name, v.Kind, v.Raw, tt.wantKind, tt.want)
		}
	}
}

func TestLookupUnset(t *testing.T) {
	t.Parallel()
	o, err := ParseObject([]byte(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := Compile("a")
	for _, tt := range []struct {
		name string
		o    Object
		p    Path
	}{{"zero path", o, Path{}}, {"zero object", Object{}, p}} {
		if v, err := tt.o.Lookup(tt.p); err != nil || v.Found() {
			t.Errorf("%s: %v, %v; want not found", tt.name, v, err)
		}
	}
}

// TestLookupDeepBody checks that depth the body may have (up to
// encoding/json's limit) costs a lookup nothing but the skipping.
func TestLookupDeepBody(t *testing.T) {
	t.Parallel()
	const depth = 9000
	body := `{"deep":` + strings.Repeat(`[`, depth) + strings.Repeat(`]`, depth) + `,"id":"x"}`
	o, err := ParseObject([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := Compile("id")
	if v, err := o.Lookup(p); err != nil || string(v.Raw) != `"x"` {
		t.Fatalf("Lookup = %q, %v", v.Raw, err)
	}
}

func TestLookupAllocs(t *testing.T) {
	body := []byte(`{"a\u0062":{"x":"\u00e9","é":[1,{"id":"v"}]},"ab":{"é":[0,{"id":"w"}]}}`)
	o, err := ParseObject(body)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := Compile("ab.é.1.id")
	if v, _ := o.Lookup(p); string(v.Raw) != `"w"` {
		t.Fatalf("Lookup = %q", v.Raw)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = o.Lookup(p) }); n != 0 {
		t.Errorf("Lookup allocates %v times", n)
	}
}

func TestKindString(t *testing.T) {
	t.Parallel()
	got := []string{}
	for k := Absent; k <= Array; k++ {
		got = append(got, k.String())
	}
	if s := strings.Join(got, ","); s != "nothing,string,number,boolean,object,array" {
		t.Errorf("kinds = %s", s)
	}
}

func TestMember(t *testing.T) {
	o, err := ParseObject([]byte(`{"a":1,"n":null,"o":{"x":[1,2]},"a":"last","k\u00e9y":true}`))
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{"a": `"last"`, "n": `null`, "o": `{"x":[1,2]}`, "kéy": `true`} {
		if raw, ok := o.Member(key); !ok || string(raw) != want {
			t.Errorf("Member(%q) = %s, %v; want %s", key, raw, ok, want)
		}
	}
	if raw, ok := o.Member("x"); ok {
		t.Errorf("Member(x) = %s, found; want absent", raw)
	}
	sub, ok := o.MemberObject("o")
	if raw, found := sub.Member("x"); !ok || !found || string(raw) != `[1,2]` {
		t.Errorf("MemberObject(o).Member(x) = %s, %v, %v; want [1,2]", raw, ok, found)
	}
	for _, key := range []string{"a", "n", "x"} {
		if _, ok := o.MemberObject(key); ok {
			t.Errorf("MemberObject(%q) found an object", key)
		}
	}
	if raw, ok := (Object{}).Member("a"); ok {
		t.Errorf("zero Object's Member = %s, found", raw)
	}
}
