package lemonsqueezy

import (
	"fmt"
	"net/http"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// samples are the Lemon Squeezy webhooks `hookmesh send` builds, shaped
// as the example of https://docs.lemonsqueezy.com/guides/developer-guide/webhooks.
// The fresh id is the resource id; the dedup key is the body's hash.
var samples = platform.Samples{
	Default:        "order_created",
	NewID:          func(time.Time) string { return fmt.Sprint(randid.Uint() % 10_000_000) },
	Templates:      templates,
	TypeHeaders:    func(typ string) map[string]string { return map[string]string{EventNameHeader: typ} },
	KeyedByContent: true,
}

var templates = map[string]platform.Template{
	"order_created": resource("order_created", "orders", func(id string, now time.Time) string {
		return fmt.Sprintf(`"store_id": 12345, "customer_id": 987654, "identifier": "636f855c-1fb9-4c07-b75c-3a10afef010a", "order_number": %s, "user_name": "Darlene Daugherty", "user_email": "darlene@example.com", "currency": "USD", "currency_rate": "1.0000", "subtotal": 999, "discount_total": 0, "tax": 200, "total": 1199, "tax_name": "VAT", "tax_rate": "20.00", "status": "paid", "status_formatted": "Paid", "refunded": false, "refunded_at": null, "created_at": %q, "updated_at": %q, "test_mode": true`, id, stamp(now), stamp(now))
	}),
	"subscription_created": resource("subscription_created", "subscriptions", func(id string, now time.Time) string {
		return fmt.Sprintf(`"store_id": 12345, "customer_id": 987654, "order_id": 1%s, "product_id": 2, "variant_id": 2, "product_name": "Pro", "variant_name": "Monthly", "user_name": "Dan R", "user_email": "dan@example.com", "status": "active", "status_formatted": "Active", "card_brand": "visa", "card_last_four": "4242", "pause": null, "cancelled": false, "renews_at": %q, "ends_at": null, "created_at": %q, "updated_at": %q, "test_mode": true`, id, stamp(now.AddDate(0, 1, 0)), stamp(now), stamp(now))
	}),
	"subscription_payment_success": resource("subscription_payment_success", "subscription-invoices", func(id string, now time.Time) string {
		return fmt.Sprintf(`"store_id": 12345, "subscription_id": 1%s, "customer_id": 987654, "user_name": "Dan R", "user_email": "dan@example.com", "billing_reason": "renewal", "currency": "USD", "status": "paid", "status_formatted": "Paid", "refunded": false, "subtotal": 999, "discount_total": 0, "tax": 200, "total": 1199, "created_at": %q, "updated_at": %q, "test_mode": true`, id, stamp(now), stamp(now))
	}),
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

// resource wraps attributes in Lemon Squeezy's envelope.
func resource(typ, kind string, attrs func(id string, now time.Time) string) platform.Template {
	return func(id string, now time.Time) (string, http.Header) {
		return fmt.Sprintf(`{
  "meta": {
    "test_mode": true,
    "event_name": %q,
    "webhook_id": "ae8e8c2b-5d02-4f6b-b2a4-0c2c2a4a8e11",
    "custom_data": {"user_id": "123"}
  },
  "data": {
    "type": %q,
    "id": %q,
    "attributes": {%s},
    "links": {"self": "https://api.lemonsqueezy.com/v1/%s/%s"}
  }
}`, typ, kind, id, attrs(id, now), kind, id), http.Header{EventNameHeader: {typ}}
	}
}
