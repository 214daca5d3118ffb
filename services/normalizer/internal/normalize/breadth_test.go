package normalize

import (
	"errors"
	"strings"
	"testing"
	"time"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/eventkey"
)

// TestKeyFactsBreadth asserts, without goldens, the facts of the platforms
// added for breadth and of the configured source: exact ids, exact money,
// the type mapping and the dedup key (which must be eventkey's).
func TestKeyFactsBreadth(t *testing.T) {
	t.Parallel()
	// contentKeyID marks a payload without an id of its own, keyed (by
	// the edge and here) by the SHA-256 of its bytes.
	const contentKeyID = "content key"
	const (
		completed = eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED
		refunded  = eventv1.EventType_EVENT_TYPE_PAYMENT_REFUNDED
		unmapped  = eventv1.EventType_EVENT_TYPE_UNMAPPED
	)
	tests := []struct {
		platform, name string
		eventID        string
		eventType      eventv1.EventType
		sourceType     string
		entityID       string
		userID         string
		tenantID       string
		minor          int64
		currency       string
		occurredAt     string
		meta           map[string]string
	}{
		{"gitlab", "push", "f5b5d4b4-5b6e-4a3c-9c7e-2f4c9f1f0a11", eventv1.EventType_EVENT_TYPE_CODE_PUSHED, "push",
			"da1560886d4f094c3e6c9ef40349f7d38b5d27d7", "4", "", 0, "", "2024-03-08T15:30:00Z", map[string]string{"commits": "4", "ref": "refs/heads/master"}},
		{"gitlab", "merge_request_open", "0b3f1a5c-1d2e-4f60-8a7b-9c0d1e2f3a4b", eventv1.EventType_EVENT_TYPE_CODE_REVIEW_REQUESTED, "merge_request.open",
			"99", "1", "", 0, "", "2013-12-03T17:23:34Z", map[string]string{"iid": "1", "project_id": "15"}},
		{"gitlab", "issue_open", "5d7e9f1a-3b5c-4d6e-8f0a-1b2c3d4e5f60", unmapped, "issue.open",
			"301", "1", "", 0, "", "2013-12-03T17:15:43Z", nil},
		{"bitbucket", "repo_push", "afe5bd4a-38d9-4a91-94e5-b0bd3b1b3b2f", eventv1.EventType_EVENT_TYPE_CODE_PUSHED, "repo:push",
			"709d658dc5b6d6afcd46049c2f332ee3f515a67d", "{a54f16da-24e9-4d7f-a3a7-b1ba2cd98aa3}", "{1b2c3d4e-5f60-4718-92a3-b4c5d6e7f809}", 0, "", "2024-03-08T15:30:00Z", nil},
		{"bitbucket", "pullrequest_created", "3c1f9b7e-0d2a-4e5b-8c6d-7e8f9a0b1c2d", eventv1.EventType_EVENT_TYPE_CODE_REVIEW_REQUESTED, "pullrequest:created",
			"{8e7f6a5b-4c3d-2e1f-0a9b-8c7d6e5f4a3b}:42", "{a54f16da-24e9-4d7f-a3a7-b1ba2cd98aa3}", "{1b2c3d4e-5f60-4718-92a3-b4c5d6e7f809}", 0, "", "2024-03-08T15:25:41.654321Z", nil},
		{"bitbucket", "pullrequest_approved", "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d", unmapped, "pullrequest:approved",
			"{8e7f6a5b-4c3d-2e1f-0a9b-8c7d6e5f4a3b}:42", "{f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b}", "{1b2c3d4e-5f60-4718-92a3-b4c5d6e7f809}", 0, "", "2024-03-08T16:02:13.000001Z", nil},
		{"paddle", "transaction_completed", "evt_01hv8x2k3m4n5p6q7r8s9t0v1w", completed, "transaction.completed",
			"txn_01hv8wptq8987qeep44cyrewp9", "ctm_01hv8wt8nffez4p2t6typn4a5j", "", 2999, "USD", "2024-03-08T15:04:05.812932Z", nil},
		{"paddle", "adjustment_refund_approved", "evt_01hv9a1b2c3d4e5f6g7h8j9k0m", refunded, "adjustment.updated",
			"adj_01hv9a0z2y3x4w5v6t7s8r9q0p", "ctm_01hv8wt8nffez4p2t6typn4a5j", "", 1500, "JPY", "2024-03-10T09:30:00Z",
			map[string]string{"transaction_id": "txn_01hv8wptq8987qeep44cyrewp9"}},
		{"paddle", "subscription_canceled", "evt_01hv9c7d8e9f0g1h2j3k4m5n6p", eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_CANCELLED, "subscription.canceled",
			"sub_01hv8x29kz0t586xy6zn1a62ny", "ctm_01hv8wt8nffez4p2t6typn4a5j", "", 0, "", "2024-04-08T00:00:01.5Z", nil},
		{"paddle", "address_created", "evt_01hv8wt8q1r2s3t4v5w6x7y8z9", unmapped, "address.created",
			"add_01hv8wt8npyk7yk4b4h9jzv2wm", "ctm_01hv8wt8nffez4p2t6typn4a5j", "", 0, "", "2024-03-08T15:02:11.123Z", nil},
		{"linear", "issue_create", "234d1a4e-b617-4388-90fe-adc3633d6b72", unmapped, "Issue.create",
			"9cfb482a-81e3-4154-b5b9-2c805e70a02d", "2e3d5f1a-8b7c-4d6e-9f0a-1b2c3d4e5f6a", "3f1c1d9a-6e2b-4c5d-8a7f-0b9e8d7c6b5a", 0, "", "2024-03-08T15:04:05.123Z", nil},
		{"intercom", "contact_user_created", "notif_ccd8a4d2-ef41-4f5e-9c83-6a1b9b7c2e01", eventv1.EventType_EVENT_TYPE_USER_CREATED, "contact.user.created",
			"65eb2d9a4f8c1b0012e3d4f5", "65eb2d9a4f8c1b0012e3d4f5", "ecahpwf5", 0, "", "2024-03-08T15:04:05Z", nil},
		{"intercom", "conversation_user_replied", "notif_5b1e7f0c-2d3a-4e6b-8c9d-0e1f2a3b4c5d", unmapped, "conversation.user.replied",
			"147", "65eb2d9a4f8c1b0012e3d4f5", "ecahpwf5", 0, "", "2024-03-08T16:04:05Z", nil},
		{"zendesk", "user_created", "8350205582", eventv1.EventType_EVENT_TYPE_USER_CREATED, "zen:event-type:user.created",
			"6596848315901", "6596848315901", "12514403", 0, "", "2024-03-08T15:04:05Z", nil},
		{"zendesk", "user_name_changed", "8350206194", eventv1.EventType_EVENT_TYPE_USER_UPDATED, "zen:event-type:user.name_changed",
			"6596848315901", "6596848315901", "12514403", 0, "", "2024-03-09T08:00:00Z", nil},
		{"zendesk", "organization_created", "8350207001", unmapped, "zen:event-type:organization.created",
			"22771458110093", "", "12514403", 0, "", "2024-03-09T10:11:12Z", nil},
		{"hubspot", "contact_creation_batch", "", eventv1.EventType_EVENT_TYPE_USER_CREATED, "contact.creation",
			"101", "101", "62515", 0, "", "2024-03-08T15:04:05.321Z",
			map[string]string{"event_id": "1839432201", "item_count": "3", "other_ids": "1839432202,4000000000000000001"}},
		{"hubspot", "deal_creation", "2958127733", unmapped, "deal.creation",
			"15853123456", "", "62515", 0, "", "2024-03-09T15:04:05Z", map[string]string{"item_count": "1"}},
		{"square", "payment_updated_completed", "13b867cf-db3d-4b1c-90b6-2f32a9d78124", completed, "payment.updated",
			"hYy9pRFVxpDsO1FB05SunFWUe9JZY", "W92WH6P11H4Z77CTET0RNTGFW8", "6SSW7HV8K2ST5", 2299, "USD", "2024-03-08T15:04:05.123Z", nil},
		{"square", "refund_updated_completed", "6b6f5a6e-0c87-4b0f-a1a5-3e2b1b7a9d11", refunded, "refund.updated",
			"hYy9pRFVxpDsO1FB05SunFWUe9JZY_KlWP8IC1557ddwc9QWTKrCVU6m0JXDz15R2Qym5eQfR", "", "6SSW7HV8K2ST5", 500, "USD", "2024-03-09T10:00:02Z",
			map[string]string{"payment_id": "hYy9pRFVxpDsO1FB05SunFWUe9JZY"}},
		{"square", "order_updated_canceled", "4e1c2d3b-5a69-4788-9a6b-7c8d9e0f1a2b", eventv1.EventType_EVENT_TYPE_ORDER_CANCELLED, "order.updated",
			"eA3vssLHKJrv9H0IdJCM3gNqfdcZY", "", "6SSW7HV8K2ST5", 0, "", "2024-03-09T11:30:00Z", nil},
		{"square", "invoice_published", "2f4e6d8c-0b1a-4c3e-9d5f-7a9b1c3d5e7f", unmapped, "invoice.published",
			"inv:0-ChCHu2mZEabLeeHahQnXDjZQECY", "", "6SSW7HV8K2ST5", 0, "", "2024-03-10T12:00:00Z", nil},
		{"twilio", "incoming_sms", "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f", eventv1.EventType_EVENT_TYPE_MESSAGE_POSTED, "message.received",
			"SM1f0e8ae6ade43cb3c0ce4525424e404f", "+15558675310", "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", 0, "", "2024-03-08T15:30:00Z", nil},
		{"twilio", "status_delivered", "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a", unmapped, "message.delivered",
			"SM3a1b2c3d4e5f60718293a4b5c6d7e8f9", "+15558675310", "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", 0, "", "2024-03-08T15:30:00Z", nil},
		{"twitch", "callback_verification", "e76c6bd4-55c9-4987-8304-da1588d8988b", eventv1.EventType_EVENT_TYPE_PING, "webhook_callback_verification",
			"f1c2a387-161a-49f9-a165-0f21d7a4e1c4", "", "12826", 0, "", "2024-03-08T15:04:05.123456789Z", nil},
		{"twitch", "channel_subscribe", "befa7b53-d79d-478f-86b9-120f112b044e", eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_CREATED, "channel.subscribe",
			"12826:1234", "1234", "12826", 0, "", "2024-03-08T15:04:05.123456789Z", map[string]string{"tier": "1000", "is_gift": "false"}},
		{"twitch", "channel_follow", "2a9b1c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", unmapped, "channel.follow",
			"12826:5678", "5678", "12826", 0, "", "2024-03-08T15:04:05.123456789Z", nil},
		{"discord", "ping", "1215620416148377650", eventv1.EventType_EVENT_TYPE_PING, "PING",
			"1215620416148377650", "80351110224678912", "", 0, "", "2024-03-08T11:21:32.344Z", nil},
		{"discord", "application_command", "1215620999454412852", unmapped, "APPLICATION_COMMAND",
			"1215620999454412852", "80351110224678912", "1215371629864702002", 0, "", "2024-03-08T11:23:51.415Z", map[string]string{"command": "refund"}},
		{"discord", "application_authorized", contentKeyID, unmapped, "APPLICATION_AUTHORIZED",
			"", "80351110224678912", "1215371629864702002", 0, "", "2024-10-18T14:42:53.064834Z", nil},
		{"sendgrid", "delivered_batch", "", unmapped, "delivered",
			"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0", "alex@example.com", "", 0, "", "2024-03-08T15:04:05Z",
			map[string]string{"sg_event_id": "rWVYmVk90MjZJ9iohOBa3w==", "item_count": "3", "other_ids": "zmzJhfJgAfUSOW80yEbPyw==,6g4ZI7SA-xmRDv57GoPIPw=="}},
		{"mailgun", "delivered", "CPgfbmQMTCKtHW6uIWtuVe", unmapped, "delivered",
			"20240308150405.1.44A4AE6A1E2A5F2B@mg.example.com", "alice@example.com", "", 0, "", "2024-03-08T15:04:05.908181Z",
			map[string]string{"event_data_id": "CPgfbmQMTCKtHW6uIWtuVe"}},
		{"mailgun", "failed_permanent", "G9Bn5sl1TC6nu79C8C0bwg", unmapped, "failed",
			"20240308160405.1.7B2C1D0E9F8A7B6C@mg.example.com", "nobody@example.org", "", 0, "", "2024-03-08T16:04:05.1Z", map[string]string{"severity": "permanent"}},
		{"svix", "payment_succeeded", "msg_2dH9xV3YlQ0zF8r1p6Wm0aN4bT2", completed, "payment.succeeded",
			"pay_2dH9xQ7sZ1vK", "usr_8812", "", 0, "", "2024-03-08T15:04:05.5Z", nil},
		{"svix", "message_attempt_exhausted", "msg_2dHA1b2c3d4e5f6g7h8j9k0m1n2", unmapped, "message.attempt.exhausted",
			"", "", "", 0, "", "2024-03-08T15:10:00Z", nil},
		{"clerk", "user_created", "msg_2E3Zy2ngzOLSGXsXDmHLiAHZ6ZJ", eventv1.EventType_EVENT_TYPE_USER_CREATED, "user.created",
			"user_29w83sxmDNGwOuEthce5gg56FcC", "user_29w83sxmDNGwOuEthce5gg56FcC", "ins_2c4mXb6qgUF5mrkR2J6H1Zxg2Wl", 0, "", "2022-05-31T15:56:31.835Z", nil},
		{"clerk", "session_created", "msg_2dJ1L0aBcDeFgHiJkLmNoPqRsTu", unmapped, "session.created",
			"sess_2dJ1Kx4YlqWv8rVb0nM3cT6uH9s", "user_29w83sxmDNGwOuEthce5gg56FcC", "ins_2c4mXb6qgUF5mrkR2J6H1Zxg2Wl", 0, "", "2024-03-08T15:04:05.1Z", nil},
		{"resend", "email_delivered", "msg_2dJ3aQ8rT1yU5iO9pA2sD6fG0hJ", unmapped, "email.delivered",
			"56761188-7520-42d8-8898-ff6fc54ce618", "", "", 0, "", "2024-03-08T15:04:05.412Z", nil},
		{"adyen", "authorisation_batch", "", completed, "AUTHORISATION",
			"QFQTPCQ8HXSKGK82", "shopper-7781", "AcmeShopEUR", 1000, "EUR", "2024-03-08T15:04:05Z",
			map[string]string{"item_count": "2", "other_ids": "V4HZ4RBFJGXXGN82", "success": "true"}},
		{"adyen", "refund_isk", "KHQC5N7G84BLNK43:REFUND:true", refunded, "REFUND",
			"KHQC5N7G84BLNK43", "shopper-3310", "AcmeShopIS", 2790, "ISK", "2024-03-10T12:00:00Z", map[string]string{"original_reference": "ZC4R4RBFJGXXGN82"}},
		{"adyen", "report_available", "settlement_detail_report_batch_238.csv:REPORT_AVAILABLE:true", unmapped, "REPORT_AVAILABLE",
			"settlement_detail_report_batch_238.csv", "", "AcmeShopEUR", 0, "", "2024-03-11T02:00:00Z", nil},
		{"acme", "charge_paid", "acme-delivery-0017", completed, "charge.paid",
			"9007199254740993", "cus_42", "77", 1999, "USD", "2024-03-08T13:04:05Z", nil},
		{"acme", "shipment_created", "acme-delivery-0018", unmapped, "shipment.created",
			"", "", "77", 0, "", "2024-03-08T15:04:05Z", nil},
	}
	n := testNormalizer(t)
	for _, tt := range tests {
		t.Run(tt.platform+"/"+tt.name, func(t *testing.T) {
			t.Parallel()
			c := mustCase(t, tt.platform, tt.name)
			ev, err := n.Normalize(c.platform, c.headers, c.body, testReceivedAt)
			if err != nil {
				t.Fatalf("Normalize: %v", err)
			}
			check := func(field, got, want string) {
				t.Helper()
				if got != want {
					t.Errorf("%s = %q, want %q", field, got, want)
				}
			}
			switch tt.eventID {
			case "": // a batch: the hash of its ids, checked against eventkey below
				if !strings.HasPrefix(ev.GetEventId(), "batch:") {
					t.Errorf("event_id = %q, want a batch key", ev.GetEventId())
				}
			case contentKeyID:
				check("event_id", ev.GetEventId(), eventkey.ContentKey(c.body).EventID)
			default:
				check("event_id", ev.GetEventId(), tt.eventID)
			}
			check("source_event_type", ev.GetSourceEventType(), tt.sourceType)
			check("entity_id", ev.GetEntityId(), tt.entityID)
			check("user_id", ev.GetUserId(), tt.userID)
			check("tenant_id", ev.GetTenantId(), tt.tenantID)
			want, _ := time.Parse(time.RFC3339Nano, tt.occurredAt)
			if !ev.GetOccurredAt().AsTime().Equal(want) {
				t.Errorf("occurred_at = %v, want %s", ev.GetOccurredAt().AsTime(), tt.occurredAt)
			}
			if ev.GetEventType() != tt.eventType {
				t.Errorf("event_type = %v, want %v", ev.GetEventType(), tt.eventType)
			}
			if tt.currency == "" {
				if ev.GetAmount() != nil {
					t.Errorf("amount = %v, want none", ev.GetAmount())
				}
			} else if ev.GetAmount().GetMinorUnits() != tt.minor || ev.GetAmount().GetCurrency() != tt.currency {
				t.Errorf("amount = %v, want %d %s", ev.GetAmount(), tt.minor, tt.currency)
			}
			for k, v := range tt.meta {
				check("metadata."+k, ev.GetMetadata()[k], v)
			}
			if tt.platform == "acme" || tt.eventID == contentKeyID {
				return // keyed by DeriveWith (TestConfiguredSource) or by content
			}
			// The dedup key must be exactly what the edge derives.
			key, err := eventkey.Derive(c.platform, c.headers, c.body)
			if err != nil || key.EventID != ev.GetEventId() || key.Source != ev.GetSource() {
				t.Errorf("eventkey.Derive = %+v, %v; event has (%q, %q)", key, err, ev.GetSource(), ev.GetEventId())
			}
		})
	}
}

// TestConditionalMappingsBreadth covers the rules of the new adapters that
// the mapping table alone cannot express.
func TestConditionalMappingsBreadth(t *testing.T) {
	t.Parallel()
	gl := map[string]string{"x-gitlab-event": "Merge Request Hook", "idempotency-key": "k1", "x-gitlab-event-uuid": "u1"}
	bb := map[string]string{"x-event-key": "pullrequest:created", "x-request-uuid": "r1"}
	tw := func(kind string) map[string]string {
		return map[string]string{"twitch-eventsub-message-id": "m1", "twitch-eventsub-message-type": kind}
	}
	twilio := map[string]string{"content-type": "application/x-www-form-urlencoded", "i-twilio-idempotency-token": "t1"}
	tests := []struct {
		name, platform string
		headers        map[string]string
		body           string
		want           eventv1.EventType
		wantAmount     int64
		wantCurrency   string
	}{
		{"gitlab draft opened", "gitlab", gl,
			`{"object_kind":"merge_request","user":{"id":1},"object_attributes":{"id":5,"action":"open","draft":true}}`,
			eventv1.EventType_EVENT_TYPE_UNMAPPED, 0, ""},
		{"gitlab draft marked ready", "gitlab", gl,
			`{"object_kind":"merge_request","user":{"id":1},"object_attributes":{"id":5,"action":"update","draft":false},"changes":{"draft":{"previous":true,"current":false}}}`,
			eventv1.EventType_EVENT_TYPE_CODE_REVIEW_REQUESTED, 0, ""},
		{"gitlab plain update", "gitlab", gl,
			`{"object_kind":"merge_request","user":{"id":1},"object_attributes":{"id":5,"action":"update"},"changes":{"title":{"previous":"a","current":"b"}}}`,
			eventv1.EventType_EVENT_TYPE_UNMAPPED, 0, ""},
		{"gitlab system hook user_create", "gitlab", map[string]string{"x-gitlab-event": "System Hook", "idempotency-key": "k2", "x-gitlab-event-uuid": "u2"},
			`{"event_name":"user_create","user_id":41,"username":"js","created_at":"2012-07-21T07:44:07Z"}`,
			eventv1.EventType_EVENT_TYPE_USER_CREATED, 0, ""},
		{"bitbucket draft created", "bitbucket", bb,
			`{"pullrequest":{"id":1,"draft":true},"repository":{"uuid":"{r}"}}`,
			eventv1.EventType_EVENT_TYPE_UNMAPPED, 0, ""},
		{"paddle refund pending approval", "paddle", nil,
			`{"event_id":"evt_1","event_type":"adjustment.created","data":{"id":"adj_1","action":"refund","status":"pending_approval","currency_code":"USD","totals":{"total":"500","currency_code":"USD"}}}`,
			eventv1.EventType_EVENT_TYPE_UNMAPPED, 500, "USD"},
		{"paddle credit approved", "paddle", nil,
			`{"event_id":"evt_2","event_type":"adjustment.created","data":{"id":"adj_2","action":"credit","status":"approved","totals":{"total":"500","currency_code":"EUR"}}}`,
			eventv1.EventType_EVENT_TYPE_UNMAPPED, 500, "EUR"},
		{"paddle transaction without grand_total", "paddle", nil,
			`{"event_id":"evt_3","event_type":"transaction.paid","data":{"id":"txn_1","currency_code":"KWD","details":{"totals":{"total":"12350"}}}}`,
			eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED, 12350, "KWD"},
		{"square payment approved", "square", nil,
			`{"type":"payment.created","event_id":"e1","data":{"type":"payment","id":"p1","object":{"payment":{"status":"APPROVED","amount_money":{"amount":100,"currency":"USD"}}}}}`,
			eventv1.EventType_EVENT_TYPE_UNMAPPED, 100, "USD"},
		{"square payment failed", "square", nil,
			`{"type":"payment.updated","event_id":"e2","data":{"type":"payment","id":"p1","object":{"payment":{"status":"FAILED","amount_money":{"amount":250,"currency":"JPY"}}}}}`,
			eventv1.EventType_EVENT_TYPE_PAYMENT_FAILED, 250, "JPY"},
		{"square refund pending", "square", nil,
			`{"type":"refund.created","event_id":"e3","data":{"type":"refund","id":"r1","object":{"refund":{"status":"PENDING","amount_money":{"amount":500,"currency":"USD"}}}}}`,
			eventv1.EventType_EVENT_TYPE_UNMAPPED, 500, "USD"},
		{"square subscription canceled", "square", nil,
			`{"type":"subscription.updated","event_id":"e4","data":{"type":"subscription","id":"s1","object":{"subscription":{"status":"CANCELED","customer_id":"c1"}}}}`,
			eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_CANCELLED, 0, ""},
		{"square customer created", "square", nil,
			`{"type":"customer.created","event_id":"e5","data":{"type":"customer","id":"c1","object":{"customer":{"id":"c1"}}}}`,
			eventv1.EventType_EVENT_TYPE_USER_CREATED, 0, ""},
		{"adyen authorisation refused", "adyen", nil,
			`{"live":"false","notificationItems":[{"NotificationRequestItem":{"eventCode":"AUTHORISATION","success":"false","pspReference":"P1","amount":{"value":1000,"currency":"EUR"}}}]}`,
			eventv1.EventType_EVENT_TYPE_PAYMENT_FAILED, 1000, "EUR"},
		{"adyen authorisation without success", "adyen", nil,
			`{"notificationItems":[{"NotificationRequestItem":{"eventCode":"AUTHORISATION","pspReference":"P2","amount":{"value":1000,"currency":"EUR"}}}]}`,
			eventv1.EventType_EVENT_TYPE_PAYMENT_FAILED, 1000, "EUR"},
		{"adyen refund failed", "adyen", nil,
			`{"notificationItems":[{"NotificationRequestItem":{"eventCode":"REFUND","success":false,"pspReference":"P3","originalReference":"P1","amount":{"value":500,"currency":"EUR"}}}]}`,
			eventv1.EventType_EVENT_TYPE_UNMAPPED, 500, "EUR"},
		{"adyen IDR has no decimals at Adyen", "adyen", nil,
			`{"notificationItems":[{"NotificationRequestItem":{"eventCode":"AUTHORISATION","success":"true","pspReference":"P4","amount":{"value":150000,"currency":"IDR"}}}]}`,
			eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED, 15000000, "IDR"},
		{"adyen CLP has two decimals at Adyen", "adyen", nil,
			`{"notificationItems":[{"NotificationRequestItem":{"eventCode":"AUTHORISATION","success":"true","pspReference":"P5","amount":{"value":990000,"currency":"CLP"}}}]}`,
			eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED, 9900, "CLP"},
		{"twitch revocation", "twitch", tw("revocation"),
			`{"subscription":{"id":"s1","status":"authorization_revoked","type":"channel.follow","condition":{"broadcaster_user_id":"1"}}}`,
			eventv1.EventType_EVENT_TYPE_UNMAPPED, 0, ""},
		{"twitch subscription end", "twitch", tw("notification"),
			`{"subscription":{"id":"s1","type":"channel.subscription.end"},"event":{"user_id":"2","broadcaster_user_id":"1","tier":"1000","is_gift":false}}`,
			eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_CANCELLED, 0, ""},
		{"twitch chat message", "twitch", tw("notification"),
			`{"subscription":{"id":"s1","type":"channel.chat.message"},"event":{"broadcaster_user_id":"1","chatter_user_id":"3","message_id":"cc106a89-1814-919d-454c-f4f2f970aae7"}}`,
			eventv1.EventType_EVENT_TYPE_MESSAGE_POSTED, 0, ""},
		{"twitch verification without the header", "twitch", map[string]string{"twitch-eventsub-message-id": "m2"},
			`{"challenge":"abc","subscription":{"id":"s1","type":"channel.follow"}}`,
			eventv1.EventType_EVENT_TYPE_PING, 0, ""},
		{"discord webhook ping", "discord", nil, `{"version":1,"application_id":"1","type":0}`,
			eventv1.EventType_EVENT_TYPE_PING, 0, ""},
		{"zendesk trigger payload", "zendesk", map[string]string{"x-zendesk-webhook-invocation-id": "i1"}, `{"ticket_id":"35436","status":"Open"}`,
			eventv1.EventType_EVENT_TYPE_UNMAPPED, 0, ""},
		{"intercom lead created", "intercom", nil,
			`{"type":"notification_event","id":"notif_1","topic":"contact.lead.created","data":{"item":{"type":"contact","id":"c1","role":"lead"}}}`,
			eventv1.EventType_EVENT_TYPE_UNMAPPED, 0, ""},
		{"twilio call", "twilio", twilio, `CallSid=CA1&CallStatus=ringing&AccountSid=AC1&Direction=inbound`,
			eventv1.EventType_EVENT_TYPE_UNMAPPED, 0, ""},
		{"hubspot contact property change", "hubspot", nil,
			`[{"eventId":7,"portalId":1,"occurredAt":1709910245000,"subscriptionType":"contact.propertyChange","objectId":5,"propertyName":"email"}]`,
			eventv1.EventType_EVENT_TYPE_USER_UPDATED, 0, ""},
		{"clerk user updated", "clerk", map[string]string{"svix-id": "msg_1"},
			`{"type":"user.updated","timestamp":1709910245000,"data":{"id":"user_1"}}`,
			eventv1.EventType_EVENT_TYPE_USER_UPDATED, 0, ""},
		{"resend contact created stays unmapped", "resend", map[string]string{"svix-id": "msg_2"},
			`{"type":"contact.created","created_at":"2024-03-08T15:04:05Z","data":{"id":"e169aa45-1ecf-4183-9955-b1499d5701d3","audience_id":"78261eea"}}`,
			eventv1.EventType_EVENT_TYPE_UNMAPPED, 0, ""},
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
		if ev.GetAmount().GetMinorUnits() != tt.wantAmount || ev.GetAmount().GetCurrency() != tt.wantCurrency {
			t.Errorf("%s: amount = %v, want %d %s", tt.name, ev.GetAmount(), tt.wantAmount, tt.wantCurrency)
		}
		if ev.GetSourceEventType() == "" {
			t.Errorf("%s: source_event_type lost", tt.name)
		}
	}
}

// TestErrorsBreadth checks that malformed input to every new adapter is a
// classified error, never a panic or a half-filled event.
func TestErrorsBreadth(t *testing.T) {
	t.Parallel()
	gl := map[string]string{"idempotency-key": "k1", "x-gitlab-event-uuid": "u1"}
	bb := map[string]string{"x-event-key": "repo:push", "x-request-uuid": "r1"}
	tw := map[string]string{"twitch-eventsub-message-id": "m1", "twitch-eventsub-message-type": "notification"}
	sv := map[string]string{"svix-id": "msg_1"}
	tests := []struct {
		name, platform string
		headers        map[string]string
		body           string
	}{
		{"gitlab not json", "gitlab", gl, `not json`},
		{"gitlab no kind", "gitlab", gl, `{"user_id":1}`},
		{"gitlab user id float", "gitlab", gl, `{"object_kind":"push","user_id":4.5}`},
		{"gitlab bad time", "gitlab", gl, `{"object_kind":"issue","object_attributes":{"id":1,"created_at":"03/12/2013"}}`},
		{"bitbucket no key header", "bitbucket", map[string]string{"x-request-uuid": "r1"}, `{}`},
		{"bitbucket array", "bitbucket", bb, `[]`},
		{"bitbucket changes not a list", "bitbucket", bb, `{"push":{"changes":{}}}`},
		{"paddle no type", "paddle", nil, `{"event_id":"evt_1","data":{}}`},
		{"paddle no data", "paddle", nil, `{"event_id":"evt_1","event_type":"transaction.completed"}`},
		{"paddle decimal total", "paddle", nil, `{"event_id":"evt_1","event_type":"transaction.completed","data":{"id":"t","details":{"totals":{"grand_total":"19.99","currency_code":"USD"}}}}`},
		{"paddle numeric total", "paddle", nil, `{"event_id":"evt_1","event_type":"transaction.completed","data":{"id":"t","details":{"totals":{"grand_total":1999,"currency_code":"USD"}}}}`},
		{"paddle no currency", "paddle", nil, `{"event_id":"evt_1","event_type":"transaction.completed","data":{"id":"t","details":{"totals":{"grand_total":"1999"}}}}`},
		{"linear no type", "linear", map[string]string{"linear-delivery": "d1"}, `{"action":"create"}`},
		{"linear data not object", "linear", map[string]string{"linear-delivery": "d1"}, `{"type":"Issue","data":"x"}`},
		{"intercom no topic", "intercom", nil, `{"id":"notif_1"}`},
		{"intercom item not object", "intercom", nil, `{"id":"notif_1","topic":"user.created","data":{"item":[1]}}`},
		{"zendesk not json", "zendesk", map[string]string{"x-zendesk-webhook-invocation-id": "i1"}, `<ticket/>`},
		{"zendesk detail not object", "zendesk", nil, `{"id":"e1","type":"zen:event-type:user.created","detail":"x"}`},
		{"hubspot object not array", "hubspot", nil, `{"eventId":1}`},
		{"hubspot empty batch", "hubspot", nil, `[]`},
		{"hubspot item not object", "hubspot", nil, `[1]`},
		{"hubspot no subscription type", "hubspot", nil, `[{"eventId":1}]`},
		{"hubspot object id float", "hubspot", nil, `[{"eventId":1,"subscriptionType":"contact.creation","objectId":1.5}]`},
		{"square no data", "square", nil, `{"type":"payment.updated","event_id":"e1"}`},
		{"square float amount", "square", nil, `{"type":"payment.updated","event_id":"e1","data":{"type":"payment","id":"p","object":{"payment":{"status":"COMPLETED","amount_money":{"amount":19.99,"currency":"USD"}}}}}`},
		{"square bad currency", "square", nil, `{"type":"payment.updated","event_id":"e1","data":{"type":"payment","id":"p","object":{"payment":{"status":"COMPLETED","amount_money":{"amount":1999,"currency":"dollars"}}}}}`},
		{"twilio no sid", "twilio", map[string]string{"i-twilio-idempotency-token": "t1"}, `Body=hello&From=%2B1555`},
		{"twilio no status", "twilio", map[string]string{"i-twilio-idempotency-token": "t1"}, `MessageSid=SM1&Body=hello`},
		{"twilio bad form", "twilio", map[string]string{"i-twilio-idempotency-token": "t1"}, `MessageSid=SM1&SmsStatus=%zz`},
		{"twilio invalid utf-8", "twilio", map[string]string{"i-twilio-idempotency-token": "t1"}, `MessageSid=SM1&SmsStatus=received&Body=%ff`},
		{"twitch no subscription", "twitch", tw, `{"event":{}}`},
		{"twitch notification without event", "twitch", tw, `{"subscription":{"id":"s","type":"channel.follow"}}`},
		{"discord no type", "discord", nil, `{"id":"1"}`},
		{"discord type string", "discord", nil, `{"id":"1","type":"1"}`},
		{"discord webhook event bad time", "discord", nil, `{"type":1,"event":{"type":"X","timestamp":"yesterday"}}`},
		{"sendgrid object", "sendgrid", nil, `{"event":"delivered"}`},
		{"sendgrid no event", "sendgrid", nil, `[{"sg_event_id":"a"}]`},
		{"sendgrid string timestamp", "sendgrid", nil, `[{"event":"open","sg_event_id":"a","timestamp":"yesterday"}]`},
		{"mailgun no event-data", "mailgun", nil, `{"signature":{}}`},
		{"mailgun too many fraction digits", "mailgun", nil, `{"event-data":{"event":"delivered","id":"x","timestamp":1521472262.9081810001}}`},
		{"mailgun exponent timestamp", "mailgun", nil, `{"event-data":{"event":"delivered","id":"x","timestamp":1.5e9}}`},
		{"adyen no items", "adyen", nil, `{"live":"false","notificationItems":[]}`},
		{"adyen no event code", "adyen", nil, `{"notificationItems":[{"NotificationRequestItem":{"pspReference":"P"}}]}`},
		{"adyen success not a flag", "adyen", nil, `{"notificationItems":[{"NotificationRequestItem":{"eventCode":"AUTHORISATION","success":"yes","pspReference":"P"}}]}`},
		{"adyen float value", "adyen", nil, `{"notificationItems":[{"NotificationRequestItem":{"eventCode":"AUTHORISATION","success":"true","pspReference":"P","amount":{"value":10.5,"currency":"EUR"}}}]}`},
		{"adyen fractional ISK", "adyen", nil, `{"notificationItems":[{"NotificationRequestItem":{"eventCode":"AUTHORISATION","success":"true","pspReference":"P","amount":{"value":279050,"currency":"ISK"}}}]}`},
		{"clerk no type", "clerk", sv, `{"data":{"id":"user_1"}}`},
		{"resend data not object", "resend", sv, `{"type":"email.sent","data":"x"}`},
		{"resend email_id not an id", "resend", sv, `{"type":"email.sent","data":{"email_id":{"x":1}}}`},
		{"svix bad created_at", "svix", sv, `{"type":"x.y","created_at":"now"}`},
	}
	for _, tt := range tests {
		ev, err := Normalize(tt.platform, tt.headers, []byte(tt.body), testReceivedAt)
		if !errors.Is(err, apperr.ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", tt.name, err)
		}
		if ev != nil {
			t.Errorf("%s: got an event with an error: %v", tt.name, ev)
		}
	}
}
