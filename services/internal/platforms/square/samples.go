package square

import (
	"fmt"
	"net/http"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// merchant is the fixed identity of the sending account: a retry or a
// second event of one account carries the same scope, as in production.
const merchant = "6SSW7HV8K2ST5"

// samples are the Square webhooks `hookmesh send` builds. Money is as
// Square sends it: integer minor units.
var samples = platform.Samples{
	Default:   "payment.updated",
	NewID:     func(time.Time) string { return randid.UUID() },
	Templates: templates,
}

var templates = map[string]platform.Template{
	"payment.updated": notification("payment.updated", "payment", func(obj, now string) string {
		return fmt.Sprintf(`{"payment": {"id": "%[1]s", "created_at": "%[2]s", "updated_at": "%[2]s", "amount_money": {"amount": 1999, "currency": "USD"}, "tip_money": {"amount": 300, "currency": "USD"}, "total_money": {"amount": 2299, "currency": "USD"}, "approved_money": {"amount": 2299, "currency": "USD"}, "processing_fee": [{"effective_at": "%[2]s", "type": "INITIAL", "amount_money": {"amount": 97, "currency": "USD"}}], "status": "COMPLETED", "delay_duration": "PT168H", "source_type": "CARD", "card_details": {"status": "CAPTURED", "card": {"card_brand": "VISA", "last_4": "1111", "exp_month": 11, "exp_year": 2030, "card_type": "DEBIT"}, "entry_method": "KEYED", "cvv_status": "CVV_ACCEPTED", "avs_status": "AVS_ACCEPTED"}, "location_id": "S8GWD5R9QB376", "order_id": "03O3USaPaAaFnI6kkwB1JxGgBsUZY", "customer_id": "W92WH6P11H4Z77CTET0RNTGFW8", "receipt_number": "%[3]s", "receipt_url": "https://squareup.com/receipt/preview/%[1]s", "version": 3}}`, obj, now, obj[:4])
	}),
	"refund.updated": notification("refund.updated", "refund", func(obj, now string) string {
		return fmt.Sprintf(`{"refund": {"id": "%[1]s", "created_at": "%[2]s", "updated_at": "%[2]s", "amount_money": {"amount": 1999, "currency": "USD"}, "status": "COMPLETED", "processing_fee": [{"effective_at": "%[2]s", "type": "INITIAL", "amount_money": {"amount": -59, "currency": "USD"}}], "location_id": "S8GWD5R9QB376", "order_id": "03O3USaPaAaFnI6kkwB1JxGgBsUZY", "payment_id": "hYy9pRFVxpDsO1FB05SunFWUe9JZY", "reason": "Returned goods", "version": 2}}`, obj, now)
	}),
	"order.created": notification("order.created", "order", func(obj, now string) string {
		return fmt.Sprintf(`{"order_created": {"order_id": "%s", "created_at": "%s", "location_id": "S8GWD5R9QB376", "state": "OPEN", "version": 1}}`, obj, now)
	}),
}

// notification renders a Square notification; object gets the object's
// id and now.
func notification(typ, objType string, object func(id, now string) string) platform.Template {
	return func(id string, now time.Time) (string, http.Header) {
		ts := now.UTC().Format("2006-01-02T15:04:05.000Z")
		obj := randid.Alnum(29)
		return fmt.Sprintf(`{"merchant_id": "%s", "type": "%s", "event_id": "%s", "created_at": "%s", "data": {"type": "%s", "id": "%s", "object": %s}}`,
				merchant, typ, id, ts, objType, obj, object(obj, ts)),
			http.Header{"Square-Initial-Delivery-Timestamp": {ts}, "Square-Retry-Number": {"0"}, "Square-Version": {"2024-02-22"}}
	}
}
