package normalize

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/eventkey"
)

// mustCase returns the testdata case platform/name.
func mustCase(t *testing.T, platform, name string) goldenCase {
	t.Helper()
	for _, c := range loadCases(t, platform) {
		if c.name == name {
			return c
		}
	}
	t.Fatalf("no testdata case %s/%s", platform, name)
	return goldenCase{}
}

// TestKeyFacts asserts, without goldens, the facts that must never drift:
// exact ids, exact money, the type mapping and the dedup key.
func TestKeyFacts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		platform, name string
		eventID        string
		source         string
		eventType      eventv1.EventType
		entityID       string
		userID         string
		tenantID       string
		minor          int64
		currency       string
		occurredAt     string
	}{
		{"stripe", "payment_intent_succeeded", "evt_3OqZ2bLkdIwHu7ix0mS2rF1a", "", eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
			"pi_3OqZ2bLkdIwHu7ix0fGv8kYt", "cus_PfXy3bJkLqA1Zs", "acct_1Nv0FGQ9RKHgCVdK", 1999, "USD", "2024-03-08T15:39:05Z"},
		{"stripe", "charge_refunded", "evt_3OrA7cLkdIwHu7ix1Qw4bN8e", "", eventv1.EventType_EVENT_TYPE_PAYMENT_REFUNDED,
			"ch_3OqZ2bLkdIwHu7ix0YH7q2Lm", "cus_PfXy3bJkLqA1Zs", "", 500, "USD", "2024-03-09T16:00:00Z"},
		{"stripe", "charge_succeeded_isk", "evt_3OtC1eLkdIwHu7ix2Rt5cV7w", "", eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
			"ch_3OtC1eLkdIwHu7ix2Kr0iSk1", "", "", 12500, "ISK", "2024-04-13T09:20:00Z"},
		{"stripe", "subscription_deleted", "evt_1OsB9dLkdIwHu7ixk2LmN4pQ", "", eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_CANCELLED,
			"sub_1OqZ0aLkdIwHu7ixYxWvUt9s", "cus_PfXy3bJkLqA1Zs", "", 0, "", "2024-04-08T16:00:00Z"},
		{"github", "push", "72d3162e-cc78-11e3-81ab-4c9367dc0958", "292430182", eventv1.EventType_EVENT_TYPE_CODE_PUSHED,
			"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c", "21031067", "2311213", 0, "", "2024-03-08T15:04:05Z"},
		{"github", "pull_request_opened", "9f2c1b3a-dd11-11ee-8b2f-0e4a7b5c6d7e", "292430182", eventv1.EventType_EVENT_TYPE_CODE_REVIEW_REQUESTED,
			"279147437", "21031067", "2311213", 0, "", "2024-03-08T15:10:02Z"},
		{"github", "ping", "4a1b2c3d-dd0f-11ee-9c1a-8f1e2d3c4b5a", "292430182", eventv1.EventType_EVENT_TYPE_PING,
			"292430182", "21031067", "", 0, "", "2024-03-08T15:30:00Z"},
		{"shopify", "orders_create", "98880550-7158-44d4-b7cd-2c97c8a091b5", "example-shop.myshopify.com", eventv1.EventType_EVENT_TYPE_ORDER_CREATED,
			"866550311766439020", "115310627314723954", "example-shop.myshopify.com", 1999, "USD", "2024-03-08T15:15:32.123456789Z"},
		{"shopify", "orders_cancelled", "0b3c7a52-1d4e-4f6a-9b8c-7d6e5f4a3b2c", "kuwait-store.myshopify.com", eventv1.EventType_EVENT_TYPE_ORDER_CANCELLED,
			"9223372036854775807", "207119551", "kuwait-store.myshopify.com", 12350, "KWD", "2024-03-09T07:00:01Z"},
		{"shopify", "refunds_create", "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9", "example-shop.myshopify.com", eventv1.EventType_EVENT_TYPE_PAYMENT_REFUNDED,
			"929361462", "", "example-shop.myshopify.com", 1029, "USD", "2024-03-10T17:00:00Z"},
		{"slack", "message", "Ev0PV52K21", "", eventv1.EventType_EVENT_TYPE_MESSAGE_POSTED,
			"C024BE91L:1709912345.000200", "U2147483697", "T061EG9R6", 0, "", "2024-03-08T15:39:05Z"},
		{"slack", "app_mention", "Ev0LAN670R", "", eventv1.EventType_EVENT_TYPE_MESSAGE_POSTED,
			"C0LAN2Q65:1515449522.000016", "U061F7AUR", "T061EG9R6", 0, "", "2018-01-08T22:12:02Z"},
		{"slack", "reaction_added", "Ev0RXN1234", "", eventv1.EventType_EVENT_TYPE_UNMAPPED,
			"", "U024BE7LH", "T061EG9R6", 0, "", "2013-02-13T19:13:24Z"},
		{"standard", "user_created", "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", "", eventv1.EventType_EVENT_TYPE_USER_CREATED,
			"user_29w83sxmDNGwOuEthce5gg56FcC", "user_29w83sxmDNGwOuEthce5gg56FcC", "", 0, "", "2024-03-08T15:04:05.123456Z"},
		{"standard", "invoice_finalized", "msg_2KWPCx9zYbQ1rS3tU4vW5xY6z7A", "", eventv1.EventType_EVENT_TYPE_UNMAPPED,
			"4611686018427387905", "usr_42", "", 0, "", "2024-03-08T15:04:05.123Z"},
	}
	for _, tt := range tests {
		t.Run(tt.platform+"/"+tt.name, func(t *testing.T) {
			t.Parallel()
			c := mustCase(t, tt.platform, tt.name)
			ev, err := Normalize(c.platform, c.headers, c.body, testReceivedAt)
			if err != nil {
				t.Fatalf("Normalize: %v", err)
			}
			check := func(field, got, want string) {
				if got != want {
					t.Errorf("%s = %q, want %q", field, got, want)
				}
			}
			check("event_id", ev.GetEventId(), tt.eventID)
			check("source", ev.GetSource(), tt.source)
			check("entity_id", ev.GetEntityId(), tt.entityID)
			check("user_id", ev.GetUserId(), tt.userID)
			check("tenant_id", ev.GetTenantId(), tt.tenantID)
			check("occurred_at", ev.GetOccurredAt().AsTime().Format(time.RFC3339Nano), tt.occurredAt)
			check("received_at", ev.GetReceivedAt().AsTime().Format(time.RFC3339Nano), testReceivedAt.Format(time.RFC3339Nano))
			if ev.GetEventType() != tt.eventType {
				t.Errorf("event_type = %v, want %v", ev.GetEventType(), tt.eventType)
			}
			if ev.GetSchemaVersion() != 1 {
				t.Errorf("schema_version = %d, want 1", ev.GetSchemaVersion())
			}
			if tt.currency == "" {
				if ev.GetAmount() != nil {
					t.Errorf("amount = %v, want none", ev.GetAmount())
				}
			} else if ev.GetAmount().GetMinorUnits() != tt.minor || ev.GetAmount().GetCurrency() != tt.currency {
				t.Errorf("amount = %v, want %d %s", ev.GetAmount(), tt.minor, tt.currency)
			}
			// The dedup key must be exactly what the edge derives.
			key, err := eventkey.Derive(c.platform, c.headers, c.body)
			if err != nil || key.EventID != ev.GetEventId() || key.Source != ev.GetSource() {
				t.Errorf("eventkey.Derive = %+v, %v; event has (%q, %q)", key, err, ev.GetSource(), ev.GetEventId())
			}
		})
	}
}

// TestGitHubFormEncoded checks that a form-encoded delivery (JSON in the
// "payload" field) normalizes to the same event as the JSON one.
func TestGitHubFormEncoded(t *testing.T) {
	t.Parallel()
	c := mustCase(t, "github", "push")
	want, err := Normalize("github", c.headers, c.body, testReceivedAt)
	if err != nil {
		t.Fatal(err)
	}
	headers := map[string]string{}
	for k, v := range c.headers {
		headers[k] = v
	}
	headers["content-type"] = "application/x-www-form-urlencoded"
	form := url.Values{"payload": {string(c.body)}}.Encode()
	got, err := Normalize("github", headers, []byte(form), testReceivedAt)
	if err != nil {
		t.Fatalf("form-encoded: %v", err)
	}
	if got.String() != want.String() {
		t.Errorf("form-encoded event\n%v\nwant\n%v", got, want)
	}
	if _, err := Normalize("github", headers, []byte("other=1"), testReceivedAt); !errors.Is(err, apperr.ErrInvalid) {
		t.Errorf("form without payload: err = %v, want ErrInvalid", err)
	}
}

// TestConditionalMappings covers the rules the table alone cannot express.
func TestConditionalMappings(t *testing.T) {
	t.Parallel()
	gh := map[string]string{"x-github-event": "pull_request", "x-github-delivery": "d1"}
	tests := []struct {
		name, platform string
		headers        map[string]string
		body           string
		want           eventv1.EventType
		wantAmount     int64
	}{
		{"checkout paid", "stripe", nil,
			`{"id":"evt_1","type":"checkout.session.completed","created":1,"data":{"object":{"object":"checkout.session","id":"cs_1","payment_status":"paid","amount_total":4200,"currency":"eur"}}}`,
			eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED, 4200},
		{"checkout unpaid", "stripe", nil,
			`{"id":"evt_2","type":"checkout.session.completed","created":1,"data":{"object":{"object":"checkout.session","id":"cs_2","payment_status":"unpaid","amount_total":4200,"currency":"eur"}}}`,
			eventv1.EventType_EVENT_TYPE_UNMAPPED, 4200},
		{"invoice paid", "stripe", nil,
			`{"id":"evt_3","type":"invoice.paid","created":1,"data":{"object":{"object":"invoice","id":"in_1","customer":"cus_1","amount_paid":990,"amount_due":990,"currency":"jpy"}}}`,
			eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED, 990},
		{"payment failed uses intended amount", "stripe", nil,
			`{"id":"evt_4","type":"payment_intent.payment_failed","created":1,"data":{"object":{"object":"payment_intent","id":"pi_1","amount":1999,"amount_received":0,"currency":"usd"}}}`,
			eventv1.EventType_EVENT_TYPE_PAYMENT_FAILED, 1999},
		{"refund.created stays unmapped", "stripe", nil,
			`{"id":"evt_5","type":"refund.created","created":1,"data":{"object":{"object":"refund","id":"re_1","amount":500,"currency":"usd"}}}`,
			eventv1.EventType_EVENT_TYPE_UNMAPPED, 500},
		{"draft pull request", "github", gh,
			`{"action":"opened","pull_request":{"id":1,"draft":true},"sender":{"id":2}}`,
			eventv1.EventType_EVENT_TYPE_UNMAPPED, 0},
		{"ready for review", "github", gh,
			`{"action":"ready_for_review","pull_request":{"id":1,"draft":false},"sender":{"id":2}}`,
			eventv1.EventType_EVENT_TYPE_CODE_REVIEW_REQUESTED, 0},
		{"slack message edited", "slack", nil,
			`{"type":"event_callback","event_id":"Ev1","team_id":"T1","event":{"type":"message","subtype":"message_changed","channel":"C1","ts":"1.2"}}`,
			eventv1.EventType_EVENT_TYPE_UNMAPPED, 0},
		{"slack thread broadcast", "slack", nil,
			`{"type":"event_callback","event_id":"Ev2","team_id":"T1","event":{"type":"message","subtype":"thread_broadcast","channel":"C1","user":"U1","ts":"1.2"}}`,
			eventv1.EventType_EVENT_TYPE_MESSAGE_POSTED, 0},
		{"slack user object", "slack", nil,
			`{"type":"event_callback","event_id":"Ev3","team_id":"T1","event":{"type":"user_change","user":{"id":"U9","name":"x"}}}`,
			eventv1.EventType_EVENT_TYPE_UNMAPPED, 0},
	}
	for _, tt := range tests {
		ev, err := Normalize(tt.platform, tt.headers, []byte(tt.body), testReceivedAt)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if ev.GetEventType() != tt.want {
			t.Errorf("%s: event_type = %v, want %v", tt.name, ev.GetEventType(), tt.want)
		}
		if ev.GetAmount().GetMinorUnits() != tt.wantAmount {
			t.Errorf("%s: amount = %v, want %d minor units", tt.name, ev.GetAmount(), tt.wantAmount)
		}
		if ev.GetSourceEventType() == "" {
			t.Errorf("%s: source_event_type lost", tt.name)
		}
	}
}

// TestSlackURLVerification checks the content key used when Slack sends
// no event_id: stable for identical bodies, as the ledger needs.
func TestSlackURLVerification(t *testing.T) {
	t.Parallel()
	body := []byte(`{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`)
	ev, err := Normalize("slack", nil, body, testReceivedAt)
	if err != nil {
		t.Fatal(err)
	}
	if ev.GetEventType() != eventv1.EventType_EVENT_TYPE_PING || ev.GetSourceEventType() != "url_verification" {
		t.Errorf("got %v %q, want PING url_verification", ev.GetEventType(), ev.GetSourceEventType())
	}
	if want := eventkey.ContentKey(body).EventID; ev.GetEventId() != want || !strings.HasPrefix(want, "sha256:") {
		t.Errorf("event_id = %q, want content key %q", ev.GetEventId(), want)
	}
}

// TestErrors checks that every malformed input is a classified error and
// never a panic or a half-filled event.
func TestErrors(t *testing.T) {
	t.Parallel()
	pi := mustCase(t, "stripe", "payment_intent_succeeded").body
	amountAsString := strings.Replace(string(pi), `"amount_received": 1999`, `"amount_received": "1999"`, 1)
	if amountAsString == string(pi) {
		t.Fatal("fixture changed: amount_received not found")
	}
	gh := map[string]string{"x-github-event": "push", "x-github-delivery": "d1"}
	shop := map[string]string{"x-shopify-topic": "orders/create", "x-shopify-event-id": "e1", "x-shopify-shop-domain": "s.myshopify.com"}
	std := map[string]string{"webhook-id": "msg_1"}
	tests := []struct {
		name, platform string
		headers        map[string]string
		body           string
		want           error
	}{
		{"unknown platform", "paypal", nil, `{}`, apperr.ErrNotFound},
		{"stripe not json", "stripe", nil, `not json`, apperr.ErrInvalid},
		{"stripe empty", "stripe", nil, ``, apperr.ErrInvalid},
		{"stripe null", "stripe", nil, `null`, apperr.ErrInvalid},
		{"stripe array", "stripe", nil, `[1,2]`, apperr.ErrInvalid},
		{"stripe missing type", "stripe", nil, `{"id":"evt_1","data":{"object":{"object":"charge"}}}`, apperr.ErrInvalid},
		{"stripe missing data.object", "stripe", nil, `{"id":"evt_1","type":"charge.succeeded"}`, apperr.ErrInvalid},
		{"stripe missing id", "stripe", nil, `{"type":"charge.succeeded","data":{"object":{"object":"charge"}}}`, apperr.ErrInvalid},
		{"stripe amount as string", "stripe", nil, amountAsString, apperr.ErrInvalid},
		{"stripe created as string", "stripe", nil, `{"id":"evt_1","type":"x","created":"1","data":{"object":{"object":"charge"}}}`, apperr.ErrInvalid},
		{"stripe float amount", "stripe", nil, `{"id":"evt_1","type":"charge.succeeded","data":{"object":{"object":"charge","amount":19.99,"currency":"usd"}}}`, apperr.ErrInvalid},
		{"stripe fractional isk", "stripe", nil, `{"id":"evt_1","type":"charge.succeeded","data":{"object":{"object":"charge","amount":4010,"currency":"isk"}}}`, apperr.ErrInvalid},
		{"stripe bad currency", "stripe", nil, `{"id":"evt_1","type":"charge.succeeded","data":{"object":{"object":"charge","amount":1,"currency":"dollars"}}}`, apperr.ErrInvalid},
		{"github no event header", "github", map[string]string{"x-github-delivery": "d1"}, `{}`, apperr.ErrInvalid},
		{"github no delivery", "github", map[string]string{"x-github-event": "push"}, `{}`, apperr.ErrInvalid},
		{"github not json", "github", gh, `<xml/>`, apperr.ErrInvalid},
		{"github sender id float", "github", gh, `{"sender":{"id":1.5}}`, apperr.ErrInvalid},
		{"github pushed_at bad", "github", gh, `{"repository":{"pushed_at":"yesterday"}}`, apperr.ErrInvalid},
		{"shopify no topic", "shopify", map[string]string{"x-shopify-event-id": "e1"}, `{}`, apperr.ErrInvalid},
		{"shopify float price", "shopify", shop, `{"id":1,"total_price":19.99,"currency":"USD"}`, apperr.ErrInvalid},
		{"shopify too precise price", "shopify", shop, `{"id":1,"total_price":"19.999","currency":"USD"}`, apperr.ErrInvalid},
		{"shopify id as float", "shopify", shop, `{"id":8.6655031176643904e17}`, apperr.ErrInvalid},
		{"shopify no event id", "shopify", map[string]string{"x-shopify-topic": "orders/create"}, `{"id":1}`, apperr.ErrInvalid},
		{"slack no type", "slack", nil, `{"event_id":"Ev1"}`, apperr.ErrInvalid},
		{"slack callback no event", "slack", nil, `{"type":"event_callback","event_id":"Ev1"}`, apperr.ErrInvalid},
		{"slack callback no event id", "slack", nil, `{"type":"event_callback","event":{"type":"message"}}`, apperr.ErrInvalid},
		{"slack event_time string", "slack", nil, `{"type":"event_callback","event_id":"Ev1","event_time":"now","event":{"type":"message"}}`, apperr.ErrInvalid},
		{"standard no type", "standard", std, `{"data":{}}`, apperr.ErrInvalid},
		{"standard data not object", "standard", std, `{"type":"user.created","data":[1]}`, apperr.ErrInvalid},
		{"standard bad timestamp", "standard", std, `{"type":"user.created","timestamp":"03/08/2024"}`, apperr.ErrInvalid},
		{"standard no webhook-id", "standard", nil, `{"type":"user.created"}`, apperr.ErrInvalid},
		{"timestamp out of range", "standard", std, `{"type":"user.created","timestamp":9223372036854775807}`, apperr.ErrInvalid},
	}
	for _, tt := range tests {
		ev, err := Normalize(tt.platform, tt.headers, []byte(tt.body), testReceivedAt)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
		if ev != nil {
			t.Errorf("%s: got an event with an error: %v", tt.name, ev)
		}
	}
	if _, err := Normalize("stripe", nil, pi, time.Time{}); !errors.Is(err, apperr.ErrInvalid) {
		t.Errorf("zero received_at: err = %v, want ErrInvalid", err)
	}
}

// TestPlatforms checks that the adapter list and the dedup key agree:
// eventkey must know every platform Normalize accepts.
func TestPlatforms(t *testing.T) {
	t.Parallel()
	got := strings.Join(Platforms(), ",")
	if got != "adyen,bitbucket,clerk,discord,github,gitlab,hubspot,intercom,jira,linear,mailgun,okta,paddle,pagerduty,resend,segment,sendgrid,sentry,shopify,slack,square,standard,stripe,svix,twilio,twitch,vercel,workos,zendesk" {
		t.Errorf("Platforms() = %s", got)
	}
	for _, p := range Platforms() {
		if _, err := eventkey.Derive(p, nil, []byte(`{}`)); errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("eventkey does not know platform %q", p)
		}
	}
}
