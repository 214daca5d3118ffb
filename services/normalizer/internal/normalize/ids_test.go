package normalize

import (
	"encoding/json"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/eventkey"
	"github.com/hookmesh/hookmesh/services/internal/sources"
)

// rawIDs are ids whose bytes JSON decoders replace or gRPC metadata
// refused.
var rawIDs = []string{"evt_é_1", "evt_\t_1", "evt_\xff_1", "evt_\xfe_1", "evt_\x00_1", "evt_\uFFFD_1"}

// quoteJSON is raw as a JSON string that keeps its bytes: only what JSON
// forbids in a string is escaped.
func quoteJSON(raw string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range []byte(raw) {
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[c>>4])
			b.WriteByte("0123456789abcdef"[c&0xF])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// TestNormalizeKeepsIDBytes checks that the normalizer keys an event as
// the edge does (eventkey.Derive on the same encoded headers and raw body:
// the ledger refuses an event under another key than its receipt's), that
// the key is the encoding of the id's exact bytes, that ids differing only
// in bytes JSON decoders replace stay apart, and that the event can be
// sent.
func TestNormalizeKeepsIDBytes(t *testing.T) {
	t.Parallel()
	pi := mustCase(t, "stripe", "payment_intent_succeeded").body
	configured, err := New([]sources.Source{{Name: "acme", Dedup: sources.Dedup{JSONPath: "meta.id", SourceHeader: "X-Acme-Account"},
		Normalize: sources.Normalize{TypePath: "type"}}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		platform string
		webhook  func(raw string) (map[string]string, []byte)
		scoped   bool
	}{
		{"stripe", func(raw string) (map[string]string, []byte) {
			return nil, []byte(strings.Replace(string(pi), `"evt_3OqZ2bLkdIwHu7ix0mS2rF1a"`, quoteJSON(raw), 1))
		}, false},
		{"standard", func(raw string) (map[string]string, []byte) {
			return map[string]string{"webhook-id": eventkey.Encode(raw)}, []byte(`{"type":"user.created","data":{"id":"user_1"}}`)
		}, false},
		{"github", func(raw string) (map[string]string, []byte) {
			return map[string]string{"x-github-event": "ping", "x-github-delivery": eventkey.Encode(raw), "x-github-hook-id": eventkey.Encode(raw)},
				[]byte(`{"zen":"Design for failure.","hook_id":1}`)
		}, true},
		{"acme", func(raw string) (map[string]string, []byte) {
			return map[string]string{"x-acme-account": eventkey.Encode(raw)}, []byte(`{"type":"x","meta":{"id":` + quoteJSON(raw) + `}}`)
		}, true},
	}
	for _, c := range cases {
		seen := map[string]string{}
		for _, raw := range rawIDs {
			headers, body := c.webhook(raw)
			if !json.Valid(body) {
				t.Fatalf("%s: test body not JSON: %q", c.platform, body)
			}
			ev, err := configured.Normalize(c.platform, headers, body, testReceivedAt)
			if err != nil {
				t.Errorf("%s, id %q: %v", c.platform, raw, err)
				continue
			}
			want := eventkey.Key{EventID: eventkey.Encode(raw)}
			if c.scoped {
				want.Source = eventkey.Encode(raw)
			}
			if got := (eventkey.Key{EventID: ev.GetEventId(), Source: ev.GetSource()}); got != want {
				t.Errorf("%s, id %q: key %+v, want %+v", c.platform, raw, got, want)
			}
			if ev.GetEventType() == eventv1.EventType_EVENT_TYPE_UNSPECIFIED {
				t.Errorf("%s, id %q: no event type", c.platform, raw)
			}
			if _, err := proto.Marshal(ev); err != nil {
				t.Errorf("%s, id %q: the event cannot be sent: %v", c.platform, raw, err)
			}
			if other, dup := seen[ev.GetEventId()]; dup {
				t.Errorf("%s: ids %q and %q share event_id %q", c.platform, other, raw, ev.GetEventId())
			}
			seen[ev.GetEventId()] = raw
		}
	}
}
