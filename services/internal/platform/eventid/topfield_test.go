package eventid

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hookmesh/hookmesh/services/internal/jsonscan"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid/eventidtest"
)

// unmarshalField is the reference TopString must agree with, written out
// as the structs Derive used to decode.
func unmarshalField(body []byte, name string) (string, error) {
	switch name {
	case "id":
		var v struct {
			F string `json:"id"`
		}
		err := json.Unmarshal(body, &v)
		return v.F, err
	case "event_id":
		var v struct {
			F string `json:"event_id"`
		}
		err := json.Unmarshal(body, &v)
		return v.F, err
	}
	panic(name)
}

var topStringSeeds = []string{
	`{"id":"evt_1"}`,
	` { "a" : [1, {"id": "x"}, "]}\""], "id" : "evt_2" , "b":{"c":{}} } `,
	`{"ID":"upper"}`,
	`{"iD":"mixed","id":"exact"}`,
	`{"id":"exact","Id":"later fold wins"}`,
	`{"id":"first","id":"last"}`,
	`{"id":"kept","id":null}`,
	`{"id":1}`,
	`{"id":{"id":"x"}}`,
	`{"i\u0064":"escaped key"}`,
	`{"id":"esc\u00e9\"aped\n"}`,
	"{\"id\":\"bad \xff utf8\"}",
	"{\"\xffid\":\"x\",\"id\":\"y\"}",
	"{\"id\":\"\xfe\xff\xef\xbf\xbd\xe2\x82\"}",
	`{"id":"nul \u0000 lone \ud800 \udc00 pair \ud83d\ude00 bad pair \ud800\u0041"}`,
	`{"\u0130d":"dotted capital"}`,
	`{"ıd":"dotless"}`,
	`{"event_id":"Ev1","EVENT_ID":"Ev2"}`,
	`{"event_ıd":"x"}`,
	`{}`, `[]`, `null`, `"id"`, `{"id":"x"`, `{"id":"x"} x`, ``, `{"id":true}`, `{"a":-1.5e3,"id":"n","b":false}`,
}

func TestTopStringMatchesUnmarshal(t *testing.T) {
	t.Parallel()
	for _, body := range topStringSeeds {
		for _, name := range []string{"id", "event_id"} {
			checkTopString(t, []byte(body), name)
		}
	}
}

func FuzzTopString(f *testing.F) {
	for _, s := range topStringSeeds {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, body string, eventID bool) {
		name := "id"
		if eventID {
			name = "event_id"
		}
		checkTopString(t, []byte(body), name)
	})
}

// checkTopString compares TopString with Unmarshal: the same errors, and
// the same value once the bytes TopString keeps are replaced as Unmarshal
// replaces them (asLossy).
func checkTopString(t *testing.T, body []byte, name string) {
	t.Helper()
	want, err := unmarshalField(body, name)
	if err != nil {
		want = "" // TopString returns no value with an error
	}
	same := func(got string) bool {
		return got == want || (ambiguousLossy(body) && err == nil) || asLossy(got) == want
	}
	if got, gotErr := TopString(body, name); !same(got) || fmt.Sprint(gotErr) != fmt.Sprint(err) {
		t.Fatalf("TopString(%q, %q) = %q, %v; Unmarshal = %q, %v", body, name, got, gotErr, want, err)
	}
	got, ok := scanTopString(body, name)
	if ok && (err != nil || !same(got)) {
		t.Fatalf("scanTopString(%q, %q) = %q, true; Unmarshal = %q, %v", body, name, got, want, err)
	}
	if !ok && err == nil && json.Valid(body) && len(body) > 0 && body[jsonscan.SkipSpace(body, 0)] == '{' {
		// Not wrong, but the fast path gave up on an ordinary object:
		// only a matching field of another type (which errs) explains it.
		t.Fatalf("scanTopString(%q, %q) gave up on a body Unmarshal accepts", body, name)
	}
}

// asLossy returns s as encoding/json would have decoded the JSON string
// whose exact bytes UnquoteBytes gave as s: each byte of invalid UTF-8
// replaced by U+FFFD, except that a WTF-8 surrogate (what UnquoteBytes
// makes of a lone surrogate escape) is one U+FFFD.
func asLossy(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if isWTF8Surrogate(s[i:]) {
			b.WriteRune(utf8.RuneError)
			i += 3
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		b.WriteRune(r) // RuneError for an invalid byte, n == 1
		i += n
	}
	return b.String()
}

func isWTF8Surrogate(s string) bool {
	return len(s) >= 3 && s[0] == 0xED && s[1] >= 0xA0 && s[1] <= 0xBF && s[2] >= 0x80 && s[2] <= 0xBF
}

// ambiguousLossy reports whether body holds raw bytes of a WTF-8
// surrogate, which Unmarshal replaces byte by byte and asLossy, which
// cannot tell them from an escape, as one.
func ambiguousLossy(body []byte) bool {
	for i := range body {
		if isWTF8Surrogate(string(body[i:min(i+3, len(body))])) {
			return true
		}
	}
	return false
}

func TestTopStringKeepsBytes(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]string{
		"{\"id\":\"evt_\xff\"}":             "evt_\xff",
		"{\"id\":\"evt_\xfe\"}":             "evt_\xfe",
		"{\"id\":\"evt_\xef\xbf\xbd\"}":     "evt_\uFFFD",
		`{"id":"evt_\u00e9\t"}`:             "evt_é\t",
		`{"id":"evt_\u0000"}`:               "evt_\x00",
		`{"id":"\ud800","ID":null}`:         "\xed\xa0\x80",
		`{"id":"\ud83d\ude00\ud800\u0041"}`: "\U0001F600\xed\xa0\x80A",
		"{\"a\":\"\xff\",\"Id\":\"x\xc3\"}": "x\xc3",
	} {
		got, err := TopString([]byte(body), "id")
		if err != nil || got != want {
			t.Errorf("TopString(%q) = %q, %v; want %q", body, got, err, want)
		}
	}
}

// FuzzUnquoteBytes checks that UnquoteBytes reads back any bytes exactly,
// and agrees with encoding/json on what is a string literal and, up to
// the replacement of invalid UTF-8, on its value.
func FuzzUnquoteBytes(f *testing.F) {
	for _, s := range []string{`"a"`, `"\u00e9\t"`, "\"\xff\xfe\"", `"\ud800\udc00"`, `"\ud800x"`, `"\u0000"`, `"\"`, `"\x"`, `"a`, `""`, "\"\t\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if got, ok := UnquoteBytes(eventidtest.QuoteRaw(raw)); !ok || got != string(raw) {
			t.Fatalf("UnquoteBytes(eventidtest.QuoteRaw(%q)) = %q, %v", raw, got, ok)
		}
		got, ok := UnquoteBytes(raw)
		var want string
		err := json.Unmarshal(raw, &want)
		// Unmarshal also takes null and white space around the literal.
		literal := err == nil && len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"'
		if ok != literal {
			t.Fatalf("UnquoteBytes(%q) ok = %v; Unmarshal: %q, %v", raw, ok, want, err)
		}
		if ok && !ambiguousLossy(raw) && asLossy(got) != want {
			t.Fatalf("UnquoteBytes(%q) = %q, as Unmarshal %q; Unmarshal = %q", raw, got, asLossy(got), want)
		}
	})
}
