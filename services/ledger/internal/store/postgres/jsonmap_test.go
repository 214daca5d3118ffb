package postgres

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
)

// FuzzJSONObjectMatchesEncodingJSON: jsonObject's text is valid JSON with
// no \u0000 (jsonb refuses it) and decodes to the map encoding/json's text
// decodes to (the jsonb value stored is the decoded one), NUL aside: it
// becomes U+FFFD. Whatever bytes the keys and values hold.
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
		if strings.Contains(string(got), `\u0000`) {
			t.Fatalf("jsonObject(%q) = %s, which jsonb refuses", m, got)
		}
		// What encoding/json's text stores, NUL aside: each key and value
		// as it decodes, keys in encoding/json's order (by their bytes), a
		// later key replacing an earlier one that decodes the same.
		stored := func(s string) string {
			b, err := json.Marshal(strings.ReplaceAll(s, "\x00", "\uFFFD"))
			if err != nil {
				t.Fatal(err)
			}
			var d string
			if err := json.Unmarshal(b, &d); err != nil {
				t.Fatal(err)
			}
			return d
		}
		w := map[string]string{}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			w[stored(k)] = stored(m[k])
		}
		var g map[string]string
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(g, w) {
			t.Fatalf("jsonObject(%q) decodes to %q, want %q", m, g, w)
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

// BenchmarkJSONObject: a webhook's stored headers, by jsonObject and by
// encoding/json (what pgx does with the map).
func BenchmarkJSONObject(b *testing.B) {
	h := map[string]string{
		"content-type": "application/json", "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
		"stripe-signature": "[redacted]", "content-length": "2048", "accept": "*/*; q=0.5, application/xml",
		"cache-control": "no-cache", "x-forwarded-for": "203.0.113.7", "x-request-id": "req_8f1c2b7d9e",
		"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "host": "hooks.example.com",
	}
	b.Run("jsonObject", func(b *testing.B) {
		for b.Loop() {
			_ = jsonObject(h)
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(h); err != nil {
				b.Fatal(err)
			}
		}
	})
}
