package paddle

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// samples are the Paddle Billing notifications `hookmesh send` builds.
// Money is in integer minor units as strings, as Paddle sends it.
var samples = platform.Samples{
	Default:   "transaction.completed",
	NewID:     func(time.Time) string { return "evt_" + strings.ToLower(randid.Base32(26)) }, // Paddle's ULID-based ids
	Templates: templates,
}

var templates = map[string]platform.Template{
	"transaction.completed": eventTemplate("transaction.completed", transactionData),
	"subscription.created": eventTemplate("subscription.created", func(now string) string {
		return fmt.Sprintf(`{"id": "sub_%s", "status": "active", "customer_id": "ctm_01hv8wt8nffez4p2t6typn4a5j", "address_id": "add_01hv8wt8npyk7yk4b4h9jzv2wm", "business_id": null, "currency_code": "USD", "collection_mode": "automatic", "billing_cycle": {"interval": "month", "frequency": 1}, "current_billing_period": {"starts_at": "%[2]s", "ends_at": "%[2]s"}, "items": [{"status": "active", "quantity": 1, "recurring": true, "price": {"id": "pri_01gsz8x8sawmvhz1pv30nge1ke", "product_id": "pro_01gsz4t5hdjse780zja8vvr7jg", "unit_price": {"amount": "2499", "currency_code": "USD"}}}], "custom_data": null, "created_at": "%[2]s", "updated_at": "%[2]s", "started_at": "%[2]s", "first_billed_at": "%[2]s", "next_billed_at": null}`,
			strings.ToLower(randid.Base32(26)), now)
	}),
	"adjustment.created": eventTemplate("adjustment.created", func(now string) string {
		return fmt.Sprintf(`{"id": "adj_%s", "action": "refund", "type": "full", "status": "approved", "reason": "Customer changed their mind", "transaction_id": "txn_01hv8wptq8987qeep44cyrewp9", "subscription_id": "sub_01hv8x29kz0t586xy6zn1a62ny", "customer_id": "ctm_01hv8wt8nffez4p2t6typn4a5j", "currency_code": "USD", "credit_applied_to_balance": null, "items": [{"id": "adjitm_01hvgarkqn8rkmm7ykmr1bp6rp", "item_id": "txnitm_01hv8wptt7t9z3nj2cy0gx3fd2", "type": "full", "amount": "2999", "totals": {"subtotal": "2499", "tax": "500", "total": "2999"}}], "totals": {"subtotal": "2499", "tax": "500", "total": "2999", "fee": "200", "earnings": "2299", "currency_code": "USD"}, "created_at": "%[2]s", "updated_at": "%[2]s"}`,
			strings.ToLower(randid.Base32(26)), now)
	}),
}

// eventTemplate renders a Paddle Billing notification; data gets now as
// RFC 3339 with milliseconds.
func eventTemplate(typ string, data func(now string) string) platform.Template {
	return func(id string, now time.Time) (string, http.Header) {
		ts := now.UTC().Format("2006-01-02T15:04:05.000Z")
		return fmt.Sprintf(`{"event_id": "%s", "event_type": "%s", "occurred_at": "%s", "notification_id": "ntf_%s", "data": %s}`,
			id, typ, now.UTC().Format(time.RFC3339Nano), strings.ToLower(randid.Base32(26)), data(ts)), nil
	}
}

func transactionData(now string) string {
	return fmt.Sprintf(`{"id": "txn_%s", "status": "completed", "customer_id": "ctm_01hv8wt8nffez4p2t6typn4a5j", "address_id": "add_01hv8wt8npyk7yk4b4h9jzv2wm", "business_id": null, "custom_data": null, "origin": "web", "collection_mode": "automatic", "subscription_id": "sub_01hv8x29kz0t586xy6zn1a62ny", "invoice_id": "inv_01hv8x29nsh54c2pgt0hnq0zkx", "invoice_number": "325-10566", "currency_code": "USD", "discount_id": null, "billing_period": {"starts_at": "%[2]s", "ends_at": "%[2]s"}, "billed_at": "%[2]s", "items": [{"price_id": "pri_01gsz8x8sawmvhz1pv30nge1ke", "quantity": 1, "proration": null}], "details": {"totals": {"subtotal": "2499", "tax": "500", "discount": "0", "total": "2999", "credit": "0", "balance": "0", "grand_total": "2999", "fee": "200", "earnings": "2299", "currency_code": "USD"}, "line_items": [{"id": "txnitm_01hv8wptt7t9z3nj2cy0gx3fd2", "price_id": "pri_01gsz8x8sawmvhz1pv30nge1ke", "quantity": 1, "tax_rate": "0.2", "unit_totals": {"subtotal": "2499", "discount": "0", "tax": "500", "total": "2999"}, "totals": {"subtotal": "2499", "discount": "0", "tax": "500", "total": "2999"}, "product": {"id": "pro_01gsz4t5hdjse780zja8vvr7jg", "name": "AeroEdit Pro", "tax_category": "standard"}}]}, "payments": [{"payment_attempt_id": "937640dd-e3dc-40df-a16c-bb75aafd8f71", "amount": "2999", "status": "captured", "method_details": {"type": "card", "card": {"type": "visa", "last4": "4242", "expiry_month": 1, "expiry_year": 2030}}, "created_at": "%[2]s", "captured_at": "%[2]s"}], "created_at": "%[2]s", "updated_at": "%[2]s"}`,
		strings.ToLower(randid.Base32(26)), now)
}
