package mollie

import (
	"fmt"
	"net/http"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// samples are the Mollie next-gen events `hookmesh send` builds, full
// payloads shaped as https://docs.mollie.com/reference/webhooks-new shows.
// The fresh id is the event id.
var samples = platform.Samples{
	Default:   "payment-link.paid",
	NewID:     func(time.Time) string { return "event_" + randid.Alnum(21) },
	Templates: templates,
}

var templates = map[string]platform.Template{
	"payment-link.paid": func(id string, now time.Time) (string, http.Header) {
		pl := "pl_" + id[6:27]
		return fmt.Sprintf(`{
  "resource": "event",
  "id": %q,
  "type": "payment-link.paid",
  "entityId": %q,
  "createdAt": %q,
  "_embedded": {
    "payment-link": {
      "resource": "payment-link",
      "id": %q,
      "profileId": "pfl_D96wnsu869",
      "mode": "test",
      "description": "Bicycle tires",
      "amount": {"currency": "EUR", "value": "24.95"},
      "archived": false,
      "redirectUrl": "https://webshop.example.org/thanks",
      "createdAt": %q,
      "paidAt": %q,
      "reusable": false
    }
  },
  "_links": {
    "self": {"href": "https://api.mollie.com/v2/events/%s", "type": "application/hal+json"}
  }
}`, id, pl, stamp(now), pl, stamp(now.Add(-time.Hour)), stamp(now), id), nil
	},
	"sales-invoice.paid": func(id string, now time.Time) (string, http.Header) {
		inv := "invoice_" + id[6:27]
		return fmt.Sprintf(`{
  "resource": "event",
  "id": %q,
  "type": "sales-invoice.paid",
  "entityId": %q,
  "createdAt": %q,
  "_embedded": {
    "entity": {
      "resource": "sales-invoice",
      "id": %q,
      "profileId": "pfl_D96wnsu869",
      "invoiceNumber": "INV-0001",
      "status": "paid",
      "currency": "EUR",
      "totalAmount": {"currency": "EUR", "value": "121.00"},
      "customerId": "cst_8wmqcHMN4U",
      "paidAt": %q
    }
  }
}`, id, inv, stamp(now), inv, stamp(now)), nil
	},
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.0Z") }
