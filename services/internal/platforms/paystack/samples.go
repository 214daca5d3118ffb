package paystack

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// samples are the Paystack webhooks `hookmesh send` builds, shaped as the
// payloads of https://paystack.com/docs/payments/webhooks/. The fresh id is
// the transaction reference; the dedup key is the body's hash.
var samples = platform.Samples{
	Default:        "charge.success",
	NewID:          func(time.Time) string { return strings.ToLower(randid.Alnum(10)) },
	Templates:      templates,
	KeyedByContent: true,
}

var templates = map[string]platform.Template{
	"charge.success": func(id string, now time.Time) (string, http.Header) {
		return fmt.Sprintf(`{
  "event": "charge.success",
  "data": {
    "id": %d,
    "domain": "test",
    "status": "success",
    "reference": %q,
    "amount": 500000,
    "message": null,
    "gateway_response": "Successful",
    "paid_at": %q,
    "created_at": %q,
    "channel": "card",
    "currency": "NGN",
    "fees": 17500,
    "customer": {"id": 68324, "first_name": "BoJack", "last_name": "Horseman", "email": "bojack@horseman.com", "customer_code": "CUS_qo38as2hpsgk2r0", "phone": null, "metadata": null, "risk_action": "default"},
    "authorization": {"authorization_code": "AUTH_f5rnfq9p", "bin": "408408", "last4": "4081", "exp_month": "12", "exp_year": "2030", "card_type": "visa", "bank": "TEST BANK", "country_code": "NG", "brand": "visa", "reusable": true},
    "plan": {}
  }
}`, now.Unix()%1_000_000_000, id, now.UTC().Format(time.RFC3339), now.Add(-20*time.Second).UTC().Format(time.RFC3339)), nil
	},
	"refund.processed": func(id string, now time.Time) (string, http.Header) {
		return fmt.Sprintf(`{
  "event": "refund.processed",
  "data": {
    "status": "processed",
    "transaction_reference": %q,
    "refund_reference": "%d",
    "amount": "500000",
    "currency": "NGN",
    "processor": "mpgs_zen",
    "customer": {"first_name": "BoJack", "last_name": "Horseman", "email": "bojack@horseman.com"},
    "integration": 412829,
    "domain": "test"
  }
}`, id, now.Unix()), nil
	},
	"subscription.create": func(id string, now time.Time) (string, http.Header) {
		return fmt.Sprintf(`{
  "event": "subscription.create",
  "data": {
    "domain": "test",
    "status": "active",
    "subscription_code": "SUB_%s",
    "amount": 50000,
    "cron_expression": "0 0 28 * *",
    "next_payment_date": %q,
    "open_invoice": null,
    "plan": {"name": "Monthly retainer", "plan_code": "PLN_gx2wn530m0i3w3m", "amount": 50000, "interval": "monthly", "currency": "NGN"},
    "customer": {"first_name": "BoJack", "last_name": "Horseman", "email": "bojack@horseman.com", "customer_code": "CUS_qo38as2hpsgk2r0"},
    "created_at": %q
  }
}`, id, now.AddDate(0, 1, 0).UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339)), nil
	},
}
