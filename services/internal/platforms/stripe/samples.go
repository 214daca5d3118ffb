package stripe

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// samples are the Stripe webhooks `hookmesh send` builds. Amounts are in
// integer minor units, as Stripe sends money.
var samples = platform.Samples{
	Default:   "payment_intent.succeeded",
	NewID:     func(time.Time) string { return "evt_" + randid.Alnum(24) },
	Templates: templates,
}

var templates = map[string]platform.Template{
	"payment_intent.succeeded": eventTemplate("payment_intent.succeeded", paymentIntent),
	"payment_intent.payment_failed": eventTemplate("payment_intent.payment_failed", func(id string) string {
		return strings.Replace(paymentIntent(id), `"status": "succeeded"`, `"status": "requires_payment_method"`, 1)
	}),
	"charge.refunded": eventTemplate("charge.refunded", func(id string) string {
		return fmt.Sprintf(`{"id": "ch_%s", "object": "charge", "amount": 1999, "amount_captured": 1999, "amount_refunded": 1999, "currency": "usd", "customer": "cus_NffrFeUfNV2Hib", "payment_intent": "pi_%s", "refunded": true, "status": "succeeded"}`, id[4:20], id[4:20])
	}),
	"customer.created": eventTemplate("customer.created", func(id string) string {
		return fmt.Sprintf(`{"id": "cus_%s", "object": "customer", "email": "jenny.rosen@example.com", "name": "Jenny Rosen", "created": 1732838400, "livemode": false}`, id[4:18])
	}),
	"customer.subscription.created": eventTemplate("customer.subscription.created", func(id string) string {
		return fmt.Sprintf(`{"id": "sub_%s", "object": "subscription", "customer": "cus_NffrFeUfNV2Hib", "status": "active", "currency": "usd", "items": {"object": "list", "data": [{"id": "si_1", "price": {"id": "price_1", "unit_amount": 1500, "currency": "usd", "recurring": {"interval": "month"}}}]}}`, id[4:18])
	}),
}

func eventTemplate(typ string, object func(id string) string) platform.Template {
	return func(id string, now time.Time) (string, http.Header) {
		return fmt.Sprintf(`{
  "id": "%s",
  "object": "event",
  "account": "acct_1Nv0FGQ9RKHgCVdK",
  "api_version": "2024-06-20",
  "created": %d,
  "data": {
    "object": %s,
    "previous_attributes": null
  },
  "livemode": false,
  "pending_webhooks": 1,
  "request": {"id": "req_%s", "idempotency_key": "%s-idem"},
  "type": "%s"
}`, id, now.Unix(), object(id), id[4:18], id, typ), nil
	}
}

func paymentIntent(id string) string {
	return fmt.Sprintf(`{
      "id": "pi_%s",
      "object": "payment_intent",
      "amount": 1999,
      "amount_capturable": 0,
      "amount_details": {"tip": {}},
      "amount_received": 1999,
      "application": null,
      "automatic_payment_methods": {"allow_redirects": "always", "enabled": true},
      "canceled_at": null,
      "cancellation_reason": null,
      "capture_method": "automatic_async",
      "client_secret": "pi_%s_secret_redacted",
      "confirmation_method": "automatic",
      "created": 1732838395,
      "currency": "usd",
      "customer": "cus_NffrFeUfNV2Hib",
      "description": "Order #1001",
      "last_payment_error": null,
      "latest_charge": "ch_%s",
      "livemode": false,
      "metadata": {"order_id": "1001", "cart": "8f2c1d"},
      "next_action": null,
      "on_behalf_of": null,
      "payment_method": "pm_1QKy8xLkdIwHu7ixtPrX0kC7",
      "payment_method_options": {"card": {"installments": null, "mandate_options": null, "network": null, "request_three_d_secure": "automatic"}},
      "payment_method_configuration_details": {"id": "pmc_1QKy6fLkdIwHu7ixq2bBu0bX", "parent": null},
      "payment_method_types": ["card", "link"],
      "processing": null,
      "receipt_email": "jenny.rosen@example.com",
      "review": null,
      "setup_future_usage": null,
      "shipping": {"address": {"city": "San Francisco", "country": "US", "line1": "510 Townsend St", "postal_code": "94103", "state": "CA"}, "name": "Jenny Rosen"},
      "source": null,
      "statement_descriptor": null,
      "statement_descriptor_suffix": null,
      "status": "succeeded",
      "transfer_data": null,
      "transfer_group": null
    }`, id[4:20], id[4:20], id[4:20])
}
