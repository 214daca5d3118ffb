package razorpay

import (
	"fmt"
	"net/http"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// samples are the Razorpay webhooks `hookmesh send` builds, shaped as
// the sample payloads of https://razorpay.com/docs/webhooks/payments/.
// The fresh id is the event id header; entity ids derive from it.
var samples = platform.Samples{
	Default:   "payment.captured",
	NewID:     func(time.Time) string { return "evt_" + randid.Alnum(14) },
	Templates: templates,
	IDHeaders: func(id string) http.Header { return http.Header{EventIDHeader: {id}} },
}

var templates = map[string]platform.Template{
	"payment.captured": envelope("payment.captured", "payment", func(id string) string {
		return payment(id, "captured", "null")
	}),
	"payment.failed": envelope("payment.failed", "payment", func(id string) string {
		return payment(id, "failed", `"BAD_REQUEST_ERROR"`)
	}),
	"order.paid": envelope("order.paid", "order", func(id string) string {
		return fmt.Sprintf(`{"id": "order_%s", "entity": "order", "amount": 49900, "amount_paid": 49900, "amount_due": 0, "currency": "INR", "receipt": "rcpt_1001", "status": "paid", "attempts": 1, "notes": [], "created_at": 1733400000}`, id[4:])
	}),
	"refund.processed": envelope("refund.processed", "refund", func(id string) string {
		return fmt.Sprintf(`{"id": "rfnd_%s", "entity": "refund", "amount": 49900, "currency": "INR", "payment_id": "pay_%s", "notes": [], "receipt": null, "status": "processed", "speed_processed": "normal", "speed_requested": "normal", "created_at": 1733400300}`, id[4:], id[4:])
	}),
	"subscription.activated": envelope("subscription.activated", "subscription", func(id string) string {
		return fmt.Sprintf(`{"id": "sub_%s", "entity": "subscription", "plan_id": "plan_BvrFKjSxauOH7N", "customer_id": "cust_C0WlbKhp3aLA7W", "status": "active", "current_start": 1733400000, "current_end": 1736078400, "quantity": 1, "notes": [], "total_count": 12, "paid_count": 1, "remaining_count": 11, "created_at": 1733399000}`, id[4:])
	}),
}

// envelope wraps an entity in Razorpay's event envelope.
func envelope(typ, kind string, entity func(id string) string) platform.Template {
	return func(id string, now time.Time) (string, http.Header) {
		return fmt.Sprintf(`{
  "entity": "event",
  "account_id": "acc_BFQ7uQEaa7j2z7",
  "event": %q,
  "contains": [%q],
  "payload": {
    %q: {
      "entity": %s
    }
  },
  "created_at": %d
}`, typ, kind, kind, entity(id), now.Unix()), nil
	}
}

func payment(id, status, errorCode string) string {
	return fmt.Sprintf(`{"id": "pay_%s", "entity": "payment", "amount": 49900, "currency": "INR", "status": %q, "order_id": "order_%s", "method": "upi", "amount_refunded": 0, "captured": %t, "email": "gaurav.kumar@example.com", "contact": "+919876543210", "customer_id": "cust_C0WlbKhp3aLA7W", "notes": [], "fee": 1178, "tax": 180, "error_code": %s, "created_at": 1733400000}`,
		id[4:], status, id[4:], status == "captured", errorCode)
}
