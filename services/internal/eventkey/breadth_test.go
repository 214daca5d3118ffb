package eventkey

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/dotpath"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
	"github.com/hookmesh/hookmesh/services/internal/sources"
)

func TestDeriveBreadth(t *testing.T) {
	t.Parallel()
	hs := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	// A batch key is the same whatever the order of the batch.
	hubspotBatch := `[{"eventId":2,"portalId":62515},{"eventId":1,"portalId":62515}]`
	hubspotBatchReordered := `[{"eventId":1,"portalId":62515},{"eventId":2,"portalId":62515}]`
	hb, _ := Derive("hubspot", nil, []byte(hubspotBatch))
	sg, _ := Derive("sendgrid", nil, []byte(`[{"sg_event_id":"a"},{"sg_event_id":"b"}]`))
	ad, _ := Derive("adyen", nil, []byte(`{"notificationItems":[`+
		`{"NotificationRequestItem":{"pspReference":"P2","eventCode":"REFUND","success":"true","merchantAccountCode":"M"}},`+
		`{"NotificationRequestItem":{"pspReference":"P1","eventCode":"AUTHORISATION","success":"true","merchantAccountCode":"M"}}]}`))
	tests := []struct {
		name     string
		platform string
		headers  map[string]string
		body     string
		want     Key
		wantErr  error
	}{
		{"gitlab idempotency key", "gitlab", hs("idempotency-key", "ik-1", "x-gitlab-event-uuid", "ev-1", "x-gitlab-webhook-uuid", "wh-1"), `{}`, Key{Source: "wh-1", EventID: "ik-1"}, nil},
		{"gitlab event uuid fallback", "gitlab", hs("x-gitlab-event-uuid", "ev-1"), `{}`, Key{EventID: "ev-1"}, nil},
		{"gitlab nothing", "gitlab", hs(), `{}`, Key{}, apperr.ErrInvalid},
		{"bitbucket scoped by hook", "bitbucket", hs("x-request-uuid", "r-1", "x-hook-uuid", "h-1"), `{}`, Key{Source: "h-1", EventID: "r-1"}, nil},
		{"paddle event_id", "paddle", nil, `{"event_id":"evt_01h","event_type":"transaction.completed"}`, Key{EventID: "evt_01h"}, nil},
		{"paddle not json", "paddle", nil, `x`, Key{}, apperr.ErrInvalid},
		{"linear delivery header", "linear", hs("linear-delivery", "d-1"), `{"webhookId":"w"}`, Key{EventID: "d-1"}, nil},
		{"intercom notification id", "intercom", nil, `{"type":"notification_event","id":"notif_1","app_id":"app1"}`, Key{Source: "app1", EventID: "notif_1"}, nil},
		{"zendesk invocation id", "zendesk", hs("x-zendesk-webhook-invocation-id", "8350205582", "x-zendesk-webhook-id", "01F1"), `{"id":"e"}`, Key{Source: "01F1", EventID: "8350205582"}, nil},
		{"zendesk body id fallback", "zendesk", hs("x-zendesk-webhook-id", "01F1"), `{"id":"e-1"}`, Key{Source: "01F1", EventID: "e-1"}, nil},
		{"square event_id", "square", nil, `{"merchant_id":"M1","event_id":"6a8f5f28"}`, Key{Source: "M1", EventID: "6a8f5f28"}, nil},
		{"twilio idempotency token", "twilio", hs("i-twilio-idempotency-token", "tok"), `AccountSid=AC1&MessageSid=SM1`, Key{Source: "AC1", EventID: "tok"}, nil},
		{"twilio content fallback", "twilio", nil, `AccountSid=AC1&MessageSid=SM1`, Key{Source: "AC1", EventID: ContentKey([]byte(`AccountSid=AC1&MessageSid=SM1`)).EventID}, nil},
		{"twitch message id", "twitch", hs("twitch-eventsub-message-id", "befa7b53"), `{}`, Key{EventID: "befa7b53"}, nil},
		{"discord interaction id", "discord", nil, `{"id":"1234567890123456789","application_id":"42","type":2}`, Key{Source: "42", EventID: "1234567890123456789"}, nil},
		{"discord webhook event has no id: keyed by content", "discord", nil, `{"version":1,"application_id":"42","type":1,"event":{}}`,
			Key{Source: "42", EventID: ContentKey([]byte(`{"version":1,"application_id":"42","type":1,"event":{}}`)).EventID}, nil},
		{"discord not json", "discord", nil, `{`, Key{}, apperr.ErrInvalid},
		{"mailgun event-data id", "mailgun", nil, `{"signature":{"token":"t"},"event-data":{"id":"ev-1"}}`, Key{EventID: "ev-1"}, nil},
		{"mailgun token fallback", "mailgun", nil, `{"signature":{"token":"t"}}`, Key{EventID: "t"}, nil},
		{"mailgun form token", "mailgun", nil, `token=t2&timestamp=1`, Key{EventID: "t2"}, nil},
		{"svix", "svix", hs("svix-id", "msg_1"), `{}`, Key{EventID: "msg_1"}, nil},
		{"clerk", "clerk", hs("svix-id", "msg_2"), `{}`, Key{EventID: "msg_2"}, nil},
		{"resend", "resend", hs("webhook-id", "msg_3", "svix-id", "x"), `{}`, Key{EventID: "msg_3"}, nil},
		{"hubspot single event: its id, scoped by portal", "hubspot", nil, `[{"eventId":9007199254740993,"portalId":62515}]`, Key{Source: "62515", EventID: "9007199254740993"}, nil},
		{"hubspot batch: order-independent hash", "hubspot", nil, hubspotBatchReordered, hb, nil},
		{"hubspot batch across portals: no scope", "hubspot", nil, `[{"eventId":1,"portalId":1},{"eventId":1,"portalId":2}]`, Key{EventID: eventid.HashIDs([]string{"1/1", "2/1"})}, nil},
		{"hubspot event without id", "hubspot", nil, `[{"portalId":1}]`, Key{}, apperr.ErrInvalid},
		{"hubspot empty batch", "hubspot", nil, `[]`, Key{}, apperr.ErrInvalid},
		{"hubspot object, not array", "hubspot", nil, `{"eventId":1}`, Key{}, apperr.ErrInvalid},
		{"sendgrid single", "sendgrid", nil, `[{"sg_event_id":"sg1","event":"delivered"}]`, Key{EventID: "sg1"}, nil},
		{"sendgrid batch reordered", "sendgrid", nil, `[{"sg_event_id":"b"},{"sg_event_id":"a"}]`, sg, nil},
		{"adyen single item", "adyen", nil, `{"notificationItems":[{"NotificationRequestItem":{"pspReference":"P1","eventCode":"AUTHORISATION","success":"true","merchantAccountCode":"M"}}]}`, Key{Source: "M", EventID: "P1:AUTHORISATION:true"}, nil},
		{"adyen outcome changed is another event", "adyen", nil, `{"notificationItems":[{"NotificationRequestItem":{"pspReference":"P1","eventCode":"AUTHORISATION","success":"false","merchantAccountCode":"M"}}]}`, Key{Source: "M", EventID: "P1:AUTHORISATION:false"}, nil},
		{"adyen batch reordered", "adyen", nil, `{"notificationItems":[` +
			`{"NotificationRequestItem":{"pspReference":"P1","eventCode":"AUTHORISATION","success":"true","merchantAccountCode":"M"}},` +
			`{"NotificationRequestItem":{"pspReference":"P2","eventCode":"REFUND","success":"true","merchantAccountCode":"M"}}]}`, ad, nil},
		{"adyen item without reference", "adyen", nil, `{"notificationItems":[{"NotificationRequestItem":{"eventCode":"X"}}]}`, Key{}, apperr.ErrInvalid},
	}
	for _, tt := range tests {
		got, err := Derive(tt.platform, tt.headers, []byte(tt.body))
		if tt.wantErr != nil {
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("%s: err = %v, want %v", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: got %+v, %v; want %+v", tt.name, got, err, tt.want)
		}
	}
	if !strings.HasPrefix(hb.EventID, eventid.BatchPrefix) || hb.Source != "62515" {
		t.Errorf("hubspot batch key %+v", hb)
	}
}

func TestDeriveWith(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		d       sources.Dedup
		headers map[string]string
		body    string
		want    Key
		wantErr bool
	}{
		{"header, any case in config", sources.Dedup{Header: "X-Acme-Delivery", SourceHeader: "X-Acme-Account"}, map[string]string{"x-acme-delivery": "d1", "x-acme-account": "a1"}, `{}`, Key{Source: "a1", EventID: "d1"}, false},
		{"json path", sources.Dedup{JSONPath: "data.event.id"}, nil, `{"data":{"event":{"id":"e1"}}}`, Key{EventID: "e1"}, false},
		{"json path number kept exact", sources.Dedup{JSONPath: "id"}, nil, `{"id":12345678901234567890}`, Key{EventID: "12345678901234567890"}, false},
		{"header missing, path fallback", sources.Dedup{Header: "X-Id", JSONPath: "id"}, map[string]string{}, `{"id":"b"}`, Key{EventID: "b"}, false},
		{"path into a non-object", sources.Dedup{JSONPath: "a.b"}, nil, `{"a":"x"}`, Key{}, true},
		{"object at path", sources.Dedup{JSONPath: "a"}, nil, `{"a":{}}`, Key{}, true},
		{"not json", sources.Dedup{JSONPath: "a"}, nil, `nope`, Key{}, true},
		{"too long", sources.Dedup{Header: "X-Id"}, map[string]string{"x-id": strings.Repeat("a", MaxLen+1)}, `{}`, Key{}, true},
		{"array index", sources.Dedup{JSONPath: "events.1.id"}, nil, `{"events":[{"id":"a"},{"id":"b"}]}`, Key{EventID: "b"}, false},
		{"array indexed by a name", sources.Dedup{JSONPath: "events.id"}, nil, `{"events":[{"id":"a"}]}`, Key{}, true},
		{"repeated key: the last wins", sources.Dedup{JSONPath: "id"}, nil, `{"id":"first","id":"last"}`, Key{EventID: "last"}, false},
		{"repeated key on the way: the last wins", sources.Dedup{JSONPath: "a.id"}, nil, `{"a":{"id":"first"},"a":{"x":1}}`, Key{}, true},
		{"null on the way", sources.Dedup{JSONPath: "a.id"}, nil, `{"a":null}`, Key{}, true},
		{"boolean at path", sources.Dedup{JSONPath: "a"}, nil, `{"a":true}`, Key{}, true},
		{"special characters are plain keys", sources.Dedup{JSONPath: `a*.#.@this.b|c.d\`}, nil, `{"a*":{"#":{"@this":{"b|c":{"d\\":"k"}}}}}`, Key{EventID: "k"}, false},
		{"escaped key", sources.Dedup{JSONPath: "id"}, nil, `{"\u0069d":"e"}`, Key{EventID: "e"}, false},
		{"invalid JSON after the id", sources.Dedup{JSONPath: "id"}, nil, `{"id":"e",}`, Key{}, true},
		{"array body", sources.Dedup{JSONPath: "0.id"}, nil, `[{"id":"e"}]`, Key{}, true},
		{"path too deep", sources.Dedup{JSONPath: strings.Repeat("a.", 32) + "a"}, nil, `{"a":1}`, Key{}, true},
		{"bad path, header found", sources.Dedup{Header: "X-Id", JSONPath: "a..b"}, map[string]string{"x-id": "h"}, `nope`, Key{EventID: "h"}, false},
	}
	for _, tt := range tests {
		got, err := DeriveWith(tt.d, tt.headers, []byte(tt.body))
		if tt.wantErr {
			if !errors.Is(err, apperr.ErrInvalid) {
				t.Errorf("%s: err = %v, want ErrInvalid", tt.name, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: got %+v, %v; want %+v", tt.name, got, err, tt.want)
		}
		// The normalizer's route: compiled once, on a parsed body.
		c, cerr := CompileDedup(tt.d)
		o, perr := dotpath.ParseObject([]byte(tt.body))
		if cerr == nil && perr == nil {
			if got2, err := c.Derive(tt.headers, o); err != nil || got2 != got {
				t.Errorf("%s: Dedup.Derive = %+v, %v; DeriveWith %+v", tt.name, got2, err, got)
			}
		}
	}
	for _, tt := range tests {
		// The normalizer's route: the dedup path found in one pass with
		// other paths of the body.
		c, cerr := CompileDedup(tt.d)
		o, perr := dotpath.ParseObject([]byte(tt.body))
		if cerr != nil || perr != nil {
			continue
		}
		other, _ := dotpath.Compile("a")
		found := o.LookupAll(dotpath.CompilePaths(other, c.Path(), other), nil)
		want, _ := c.DeriveBody(tt.headers, []byte(tt.body))
		if got, err := c.DeriveFound(tt.headers, found[1]); (err != nil) != tt.wantErr || got != want {
			t.Errorf("%s: DeriveFound = %+v, %v; DeriveBody %+v", tt.name, got, err, want)
		}
	}
	if _, err := CompileDedup(sources.Dedup{JSONPath: "a..b"}); err == nil || !strings.Contains(err.Error(), "dedup.json_path") {
		t.Errorf("CompileDedup(a..b) = %v, want an error naming dedup.json_path", err)
	}
}

// referenceJSONPath is jsonPath as it was before dotpath, an encoding/json
// walk through objects only, kept as the specification FuzzDeriveWith
// checks DeriveWith against. blockedByArray reports that it stopped at an
// array, where dotpath now reads a decimal segment as an index.
func referenceJSONPath(body []byte, path string) (id string, blockedByArray bool) {
	segs := strings.Split(path, ".")
	if len(segs) > 32 {
		return "", false
	}
	raw := json.RawMessage(body)
	for _, seg := range segs {
		var m map[string]json.RawMessage
		if seg == "" {
			return "", false
		}
		if json.Unmarshal(raw, &m) != nil {
			t := bytes.TrimLeft(raw, " \t\r\n")
			return "", len(t) > 0 && t[0] == '[' && json.Valid(body)
		}
		var ok bool
		if raw, ok = m[seg]; !ok {
			return "", false
		}
	}
	return rawText(raw), false
}

func FuzzDeriveWith(f *testing.F) {
	f.Add("data.id", `{"data":{"id":"x"}}`, "h")
	f.Add("a..b", `{"a":{"":1}}`, "")
	f.Add("id", "{\"id\":\"\xff\\u0000\"}", "")
	f.Add("items.1.id", `{"items":[{"id":"a"},{"id":2}]}`, "")
	f.Add("a.id", `{"a":{"id":"x"},"a":{"id":"y"},"id":null}`, "")
	f.Add("a.b", `{"a":null,"b":"x"}`, "")
	f.Add(`\u0069d.#`, `{"\\u0069d":{"#":-0.5e3}}`, "")
	f.Fuzz(func(t *testing.T, path, body, header string) {
		k, err := DeriveWith(sources.Dedup{Header: "X-Id", JSONPath: path}, map[string]string{"x-id": Encode(header)}, []byte(body))
		if err == nil && k.EventID == "" {
			t.Fatalf("accepted an empty key %+v", k)
		}
		if err == nil {
			checkStorable(t, k)
		}
		if header != "" {
			return // the header's id: the body is not read
		}
		// Repeated keys included: both walks take the last.
		ref, blocked := referenceJSONPath([]byte(body), path)
		if blocked {
			return // dotpath indexes arrays (FuzzLookup checks how)
		}
		want := Encode(ref)
		switch {
		case want == "" || len(want) > MaxLen:
			if err == nil {
				t.Fatalf("body %q path %q: key %+v, the old walk found %q", body, path, k, ref)
			}
		case err != nil || k.EventID != want:
			t.Fatalf("body %q path %q: key %+v, %v; the old walk found %q", body, path, k, err, want)
		}
	})
}

func TestDiscordEventWebhookUsesContentKey(t *testing.T) {
	t.Parallel()
	body := []byte(`{"version":1,"application_id":"1234","type":1,"event":{"type":"APPLICATION_AUTHORIZED","timestamp":"2024-10-18T14:42:53.064834"}}`)
	k, err := Derive("discord", nil, body)
	if err != nil || k.EventID != ContentKey(body).EventID || k.Source != "1234" {
		t.Fatalf("Derive = %+v, %v; want the content key scoped by application", k, err)
	}
}

// FuzzTopFields: on any body, topFields finds at each name what decoding
// the body's top level into a map (the decode it replaced) holds there,
// as the platforms read it (rawText), repeated keys, escapes and invalid
// UTF-8 in names included.
func FuzzTopFields(f *testing.F) {
	for _, s := range []string{
		`{"id":"notif_1","app_id":"abc"}`, `{"id":1,"id":"x","app_id":null}`, `{"\u0069d":"e","app\u005fid":2}`,
		"{\"id\":\"\xff\",\"\xff\":1}", `[{"id":"x"}]`, `null`, `{"id":"x"`, ` {"id" : -1.5e3 } `, `{"id":{"id":"x"}}`,
	} {
		f.Add([]byte(s), "id")
		f.Add([]byte(s), "app_id")
	}
	f.Add([]byte("{\"\xff\":\"x\"}"), "\uFFFD")
	f.Fuzz(func(t *testing.T, body []byte, name string) {
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) != nil {
			m = nil
		}
		fields := dotpath.CompileMembers([][]string{{name}, {"id"}})
		got := topFields(body, fields, nil)
		for i, n := range []string{name, "id"} {
			if g, w := rawText(got[i]), rawText(m[n]); g != w || (got[i] == nil) != (m[n] == nil) {
				t.Fatalf("body %q name %q: topFields %q (%q); the map's decode %q (%q)", body, n, got[i], g, m[n], w)
			}
		}
	})
}
