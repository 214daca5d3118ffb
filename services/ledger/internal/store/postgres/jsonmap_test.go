package postgres

import (
	"encoding/json"
	"maps"
	"testing"
)

// FuzzJSONObjectMatchesEncodingJSON: jsonObject's text is valid JSON and
// decodes to the map encoding/json's text decodes to (the jsonb value
// stored is the decoded one), whatever bytes the keys and values hold.
func FuzzJSONObjectMatchesEncodingJSON(f *testing.F) {
	f.Add("content-type", "application/json", "x-note", "line\nbreak \"quoted\" back\\slash\ttab")
	f.Add("k", "\x00\x01\x1f\x7f", "bad", "\xff\xfe caf\xc3\xa9 \xe2\x80\xa8 <&>")
	f.Add("", "", "\u2028", "\xc3")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		m := map[string]string{k1: v1, k2: v2}
		got := jsonObject(m)
		if !json.Valid(got) {
			t.Fatalf("jsonObject(%q) = %s, not valid JSON", m, got)
		}
		want, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var g, w map[string]string
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(want, &w); err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(g, w) {
			t.Fatalf("jsonObject(%q) decodes to %q, encoding/json's text to %q", m, g, w)
		}
	})
}

func TestJSONObjectOfEmptyMap(t *testing.T) {
	for _, m := range []map[string]string{nil, {}} {
		if got := string(jsonObject(m)); got != "{}" {
			t.Errorf("jsonObject(%v) = %s, want {}", m, got)
		}
	}
}
