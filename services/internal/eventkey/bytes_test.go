package eventkey

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid/eventidtest"
	"github.com/hookmesh/hookmesh/services/internal/sources"
)

// idBytes are ids whose bytes the pipeline used to break or merge.
var idBytes = map[string]string{
	"e acute": "evt_é_1",
	"tab":     "evt_\t_1",
	"xff":     "evt_\xff_1",
	"xfe":     "evt_\xfe_1",
	"nul":     "evt_\x00_1",
	"fffd":    "evt_\uFFFD_1",
}

// jsonString is raw as a JSON string literal: raw bytes as they are, the
// characters JSON forbids in a string (tab, NUL) escaped.
func jsonString(raw string) string { return string(eventidtest.QuoteRaw([]byte(raw))) }

// headerValue is raw as the edge's HeaderMap hands a header value on.
func headerValue(raw string) string { return Encode(raw) }

// TestDeriveKeepsIDBytes checks, for every place an id is read (a header,
// a field of a JSON body, a form field), that the key is the encoding of
// the exact bytes sent: a header and a body give the same key for the same
// bytes, and ids that differ only in bytes JSON decoders replace stay
// different.
func TestDeriveKeepsIDBytes(t *testing.T) {
	t.Parallel()
	type place struct {
		name   string
		derive func(raw string) (Key, error)
		scoped bool // the place also reads a source, set to raw too
	}
	body := func(platform, format string) func(string) (Key, error) {
		return func(raw string) (Key, error) {
			return Derive(platform, nil, []byte(strings.ReplaceAll(format, "ID", jsonString(raw))))
		}
	}
	header := func(platform string, names ...string) func(string) (Key, error) {
		return func(raw string) (Key, error) {
			h := map[string]string{}
			for _, n := range names {
				h[n] = headerValue(raw)
			}
			return Derive(platform, h, []byte(`{}`))
		}
	}
	places := []place{
		{"stripe body id", body("stripe", `{"id":ID,"type":"x"}`), false},
		{"slack body event_id", body("slack", `{"event_id":ID}`), false},
		{"paddle body event_id", body("paddle", `{"event_id":ID}`), false},
		{"intercom body id and app_id", body("intercom", `{"id":ID,"app_id":ID}`), true},
		{"square body event_id and merchant_id", body("square", `{"event_id":ID,"merchant_id":ID}`), true},
		{"zendesk body id", body("zendesk", `{"id":ID}`), false},
		{"discord body id and application_id", body("discord", `{"id":ID,"application_id":ID}`), true},
		{"mailgun JSON event-data.id", body("mailgun", `{"event-data":{"id":ID}}`), false},
		{"mailgun JSON token", body("mailgun", `{"signature":{"token":ID}}`), false},
		{"hubspot single event", body("hubspot", `[{"eventId":ID,"portalId":ID}]`), true},
		{"sendgrid single event", body("sendgrid", `[{"sg_event_id":ID}]`), false},
		{"mailgun form token", func(raw string) (Key, error) {
			return Derive("mailgun", nil, []byte("token="+url.QueryEscape(raw)))
		}, false},
		{"twilio form AccountSid", func(raw string) (Key, error) {
			h := map[string]string{"i-twilio-idempotency-token": headerValue(raw)}
			return Derive("twilio", h, []byte("AccountSid="+url.QueryEscape(raw)))
		}, true},
		{"standard webhook-id", header("standard", "webhook-id"), false},
		{"svix-id", header("svix", "svix-id"), false},
		{"github delivery and hook id", header("github", "x-github-delivery", "x-github-hook-id"), true},
		{"shopify event id and shop domain", header("shopify", "x-shopify-event-id", "x-shopify-shop-domain"), true},
		{"gitlab idempotency key and hook", header("gitlab", "idempotency-key", "x-gitlab-webhook-uuid"), true},
		{"configured header and source header", func(raw string) (Key, error) {
			h := map[string]string{"x-id": headerValue(raw), "x-account": headerValue(raw)}
			return DeriveWith(sources.Dedup{Header: "X-Id", SourceHeader: "X-Account"}, h, []byte(`{}`))
		}, true},
		{"configured json path", func(raw string) (Key, error) {
			return DeriveWith(sources.Dedup{JSONPath: "data.id"}, nil, []byte(`{"data":{"id":`+jsonString(raw)+`}}`))
		}, false},
	}
	for _, p := range places {
		seen := map[Key]string{}
		for name, raw := range idBytes {
			k, err := p.derive(raw)
			want := Key{EventID: Encode(raw)}
			if p.scoped {
				want.Source = Encode(raw)
			}
			if err != nil || k != want {
				t.Errorf("%s, id %s (%q): got %+v, %v; want %+v", p.name, name, raw, k, err, want)
				continue
			}
			if other, dup := seen[k]; dup {
				t.Errorf("%s: ids %s and %s share the key %+v", p.name, other, name, k)
			}
			seen[k] = name
		}
	}
}

// TestDeriveKeepsIDBytesFromEscapes checks JSON escapes: the bytes a
// string holds, not how it spells them, make the key.
func TestDeriveKeepsIDBytesFromEscapes(t *testing.T) {
	t.Parallel()
	for body, raw := range map[string]string{
		`{"id":"evt_\u00e9_1"}`:           "evt_é_1",
		`{"id":"evt_\t_1"}`:               "evt_\t_1",
		`{"id":"evt_\u0009_1"}`:           "evt_\t_1",
		`{"id":"evt_\u0000_1"}`:           "evt_\x00_1",
		`{"id":"evt_\ufffd_1"}`:           "evt_\uFFFD_1",
		"{\"id\":\"evt_\xef\xbf\xbd_1\"}": "evt_\uFFFD_1",
		`{"id":"evt_\ud800_1"}`:           "evt_\xed\xa0\x80_1",
	} {
		k, err := Derive("stripe", nil, []byte(body))
		if err != nil || k.EventID != Encode(raw) {
			t.Errorf("Derive(stripe, %q) = %+v, %v; want event id %q", body, k, err, Encode(raw))
		}
	}
}

func TestDeriveBatchKeepsIDBytes(t *testing.T) {
	t.Parallel()
	ff, _ := Derive("sendgrid", nil, []byte("[{\"sg_event_id\":\"a\xff\"},{\"sg_event_id\":\"b\"}]"))
	fe, _ := Derive("sendgrid", nil, []byte("[{\"sg_event_id\":\"a\xfe\"},{\"sg_event_id\":\"b\"}]"))
	if ff == fe || !strings.HasPrefix(ff.EventID, eventid.BatchPrefix) {
		t.Errorf("batches differing in one id's byte: %+v and %+v", ff, fe)
	}
	item := func(psp string) string {
		return `{"NotificationRequestItem":{"pspReference":` + jsonString(psp) + `,"eventCode":"E","success":"true","merchantAccountCode":` + jsonString("M\xff") + `}}`
	}
	k, err := Derive("adyen", nil, []byte(`{"notificationItems":[`+item("P\xff")+`]}`))
	if want := (Key{EventID: Encode("P\xff:E:true"), Source: Encode("M\xff")}); err != nil || k != want {
		t.Errorf("adyen single item: %+v, %v; want %+v", k, err, want)
	}
	a, _ := Derive("adyen", nil, []byte(`{"notificationItems":[`+item("P\xff")+`,`+item("Q")+`]}`))
	b, _ := Derive("adyen", nil, []byte(`{"notificationItems":[`+item("P\xfe")+`,`+item("Q")+`]}`))
	if a == b || a.Source != Encode("M\xff") {
		t.Errorf("adyen batches differing in one byte: %+v and %+v", a, b)
	}
	// A field of another type is refused, as a string field refused it.
	_, err = Derive("adyen", nil, []byte(`{"notificationItems":[{"NotificationRequestItem":{"pspReference":1,"eventCode":"E"}}]}`))
	if !errors.Is(err, apperr.ErrInvalid) || !strings.Contains(err.Error(), "cannot unmarshal number") {
		t.Errorf("adyen numeric pspReference: %v", err)
	}
}

// TestMaxLenBoundsTheEncodedID checks that the bound applies to what is
// stored: 51 escaped bytes fit (255 bytes), 52 do not.
func TestMaxLenBoundsTheEncodedID(t *testing.T) {
	t.Parallel()
	for n, ok := range map[int]bool{51: true, 52: false} {
		raw := strings.Repeat("\xff", n)
		for _, derive := range []func() (Key, error){
			func() (Key, error) { return Derive("standard", map[string]string{"webhook-id": Encode(raw)}, nil) },
			func() (Key, error) { return Derive("stripe", nil, []byte(`{"id":`+jsonString(raw)+`}`)) },
		} {
			k, err := derive()
			if ok != (err == nil) || (ok && len(k.EventID) > MaxLen) {
				t.Errorf("%d escaped bytes: %+v, %v", n, k, err)
			}
		}
	}
}

// checkStorable fails unless k can be stored: valid UTF-8, no NUL, within
// MaxLen.
func checkStorable(t *testing.T, k Key) {
	t.Helper()
	for _, s := range []string{k.EventID, k.Source} {
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) || len(s) > MaxLen {
			t.Fatalf("key %s not storable", fmt.Sprintf("%+q", k))
		}
	}
}
