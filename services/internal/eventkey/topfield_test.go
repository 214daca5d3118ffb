package eventkey

import (
	"encoding/json"
	"fmt"
	"testing"
)

// unmarshalField is the reference topString must agree with, written out
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

func checkTopString(t *testing.T, body []byte, name string) {
	t.Helper()
	want, err := unmarshalField(body, name)
	if got, gotErr := topString(body, name); got != want || fmt.Sprint(gotErr) != fmt.Sprint(err) {
		t.Fatalf("topString(%q, %q) = %q, %v; Unmarshal = %q, %v", body, name, got, gotErr, want, err)
	}
	got, ok := scanTopString(body, name)
	if ok && (err != nil || got != want) {
		t.Fatalf("scanTopString(%q, %q) = %q, true; Unmarshal = %q, %v", body, name, got, want, err)
	}
	if !ok && err == nil && json.Valid(body) && len(body) > 0 && body[skipSpace(body, 0)] == '{' {
		// Not wrong, but the fast path gave up on an ordinary object:
		// only a matching field of another type (which errs) explains it.
		t.Fatalf("scanTopString(%q, %q) gave up on a body Unmarshal accepts", body, name)
	}
}
