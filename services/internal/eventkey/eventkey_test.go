package eventkey

import (
	"errors"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
)

func TestDerive(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		platform string
		headers  map[string]string
		body     string
		want     Key
		wantErr  error
	}{
		{"stripe", "stripe", nil, `{"id":"evt_1","type":"x"}`, Key{EventID: "evt_1"}, nil},
		{"slack", "slack", nil, `{"event_id":"Ev1","type":"event_callback"}`, Key{EventID: "Ev1"}, nil},
		{"github scoped by hook", "github", map[string]string{"x-github-delivery": "g-1", "x-github-hook-id": "42"}, `{}`, Key{Source: "42", EventID: "g-1"}, nil},
		{"shopify event id", "shopify", map[string]string{"x-shopify-event-id": "e1", "x-shopify-webhook-id": "w1", "x-shopify-shop-domain": "s.myshopify.com"}, `{}`, Key{Source: "s.myshopify.com", EventID: "e1"}, nil},
		{"shopify webhook id fallback", "shopify", map[string]string{"x-shopify-webhook-id": "w1", "x-shopify-shop-domain": "s"}, `{}`, Key{Source: "s", EventID: "w1"}, nil},
		{"standard", "standard", map[string]string{"webhook-id": "msg_1"}, `{}`, Key{EventID: "msg_1"}, nil},
		{"svix names", "standard", map[string]string{"svix-id": "msg_2"}, `{}`, Key{EventID: "msg_2"}, nil},
		{"stripe not json", "stripe", nil, `not json`, Key{}, apperr.ErrInvalid},
		{"stripe no id", "stripe", nil, `{"type":"x"}`, Key{}, apperr.ErrInvalid},
		{"github no delivery", "github", map[string]string{}, `{}`, Key{}, apperr.ErrInvalid},
		{"too long", "standard", map[string]string{"webhook-id": strings.Repeat("a", MaxLen+1)}, `{}`, Key{}, apperr.ErrInvalid},
		{"unknown platform", "nope", nil, `{}`, Key{}, apperr.ErrNotFound},
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
}

func TestContentKeyStable(t *testing.T) {
	t.Parallel()
	a, b := ContentKey([]byte("x")), ContentKey([]byte("x"))
	if a != b || !strings.HasPrefix(a.EventID, "sha256:") || ContentKey([]byte("y")) == a {
		t.Fatalf("content keys not stable and distinct: %v %v", a, b)
	}
}

func FuzzDerive(f *testing.F) {
	f.Add("stripe", `{"id":"evt_1"}`, "")
	f.Add("slack", `{"event_id":"Ev1"}`, "")
	f.Add("github", `{}`, "guid")
	f.Add("hubspot", `[{"eventId":1,"portalId":2},{"eventId":3}]`, "")
	f.Add("sendgrid", `[{"sg_event_id":"a"}]`, "")
	f.Add("adyen", `{"notificationItems":[{"NotificationRequestItem":{"pspReference":"p","eventCode":"E","success":true}}]}`, "")
	f.Add("twilio", `AccountSid=AC1`, "")
	f.Add("mailgun", `{"event-data":{"id":"x"}}`, "")
	f.Add("stripe", "{\"id\":\"evt_\xff\\u0000\"}", "")
	f.Add("standard", `{}`, "msg_\xfe\t")
	f.Fuzz(func(t *testing.T, platform, body, header string) {
		header = Encode(header) // as the edge's HeaderMap hands it on
		h := map[string]string{
			"x-github-delivery": header, "webhook-id": header, "x-shopify-event-id": header,
			"idempotency-key": header, "x-request-uuid": header, "linear-delivery": header,
			"x-zendesk-webhook-invocation-id": header, "i-twilio-idempotency-token": header,
			"twitch-eventsub-message-id": header,
		}
		k, err := Derive(platform, h, []byte(body))
		if err == nil && k.EventID == "" {
			t.Fatalf("accepted an empty key %+v", k)
		}
		if err == nil {
			checkStorable(t, k)
		}
	})
}
