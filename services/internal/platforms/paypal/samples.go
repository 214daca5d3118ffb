package paypal

import (
	"fmt"
	"net/http"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// samples are the PayPal events `hookmesh send` builds, shaped as the
// examples of https://developer.paypal.com/api/rest/webhooks/event-names/.
// The fresh id is the event id ("WH-...").
var samples = platform.Samples{
	Default:   "PAYMENT.CAPTURE.COMPLETED",
	NewID:     func(time.Time) string { return "WH-" + randid.Base32(17) + "-" + randid.Base32(17) },
	Templates: templates,
}

var templates = map[string]platform.Template{
	"PAYMENT.CAPTURE.COMPLETED": capture("PAYMENT.CAPTURE.COMPLETED", "COMPLETED", "Payment completed for $ 29.35 USD"),
	"PAYMENT.CAPTURE.DENIED":    capture("PAYMENT.CAPTURE.DENIED", "DECLINED", "A $ 29.35 USD capture payment was denied"),
	"BILLING.SUBSCRIPTION.CREATED": func(id string, now time.Time) (string, http.Header) {
		return fmt.Sprintf(`{
  "id": %q,
  "event_version": "1.0",
  "create_time": %q,
  "resource_type": "subscription",
  "resource_version": "2.0",
  "event_type": "BILLING.SUBSCRIPTION.CREATED",
  "summary": "A billing subscription was created",
  "resource": {
    "id": "I-%s",
    "plan_id": "P-5ML4271244454362WXNWU5NQ",
    "status": "APPROVAL_PENDING",
    "quantity": "1",
    "subscriber": {"name": {"given_name": "John", "surname": "Doe"}, "email_address": "customer@example.com", "payer_id": "2J6QB8YJQSJRJ"},
    "create_time": %q
  },
  "links": [{"href": "https://api.paypal.com/v1/notifications/webhooks-events/%s", "rel": "self", "method": "GET"}]
}`, id, stamp(now), id[3:15], stamp(now), id), nil
	},
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func capture(typ, status, summary string) platform.Template {
	return func(id string, now time.Time) (string, http.Header) {
		return fmt.Sprintf(`{
  "id": %q,
  "event_version": "1.0",
  "create_time": %q,
  "resource_type": "capture",
  "resource_version": "2.0",
  "event_type": %q,
  "summary": %q,
  "resource": {
    "id": "%s",
    "amount": {"currency_code": "USD", "value": "29.35"},
    "final_capture": true,
    "seller_protection": {"status": "ELIGIBLE", "dispute_categories": ["ITEM_NOT_RECEIVED", "UNAUTHORIZED_TRANSACTION"]},
    "supplementary_data": {"related_ids": {"order_id": "1AB234567A1234567"}},
    "invoice_id": "INV-1001",
    "status": %q,
    "create_time": %q,
    "update_time": %q
  },
  "links": [{"href": "https://api.paypal.com/v1/notifications/webhooks-events/%s", "rel": "self", "method": "GET"}]
}`, id, stamp(now), typ, summary, id[3:20], status, stamp(now), stamp(now), id), nil
	}
}
