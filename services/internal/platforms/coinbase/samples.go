package coinbase

import (
	"fmt"
	"net/http"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// samples are the Coinbase Commerce webhooks `hookmesh send` builds,
// shaped as the SDKs' test payload. The fresh id is event.id, a UUID.
var samples = platform.Samples{
	Default:   "charge:confirmed",
	NewID:     func(time.Time) string { return randid.UUID() },
	Templates: templates,
}

var templates = map[string]platform.Template{
	"charge:confirmed": chargeEvent("charge:confirmed", `[{"time": "%[1]s", "status": "NEW"}, {"time": "%[1]s", "status": "PENDING"}, {"time": "%[1]s", "status": "COMPLETED"}]`),
	"charge:failed":    chargeEvent("charge:failed", `[{"time": "%[1]s", "status": "NEW"}, {"time": "%[1]s", "status": "EXPIRED"}]`),
	"charge:created":   chargeEvent("charge:created", `[{"time": "%[1]s", "status": "NEW"}]`),
}

func chargeEvent(typ, timeline string) platform.Template {
	return func(id string, now time.Time) (string, http.Header) {
		at := now.UTC().Format(time.RFC3339)
		return fmt.Sprintf(`{
  "id": %d,
  "scheduled_for": %q,
  "attempt_number": 1,
  "event": {
    "id": %q,
    "resource": "event",
    "type": %q,
    "api_version": "2018-03-22",
    "created_at": %q,
    "data": {
      "id": %q,
      "resource": "charge",
      "code": "66BEOV2A",
      "name": "The Sovereign Individual",
      "description": "Mastering the Transition to the Information Age",
      "hosted_url": "https://commerce.coinbase.com/charges/66BEOV2A",
      "created_at": %q,
      "expires_at": %q,
      "timeline": %s,
      "metadata": {"customer_id": "id_1005", "customer_name": "Satoshi Nakamoto"},
      "pricing_type": "fixed_price",
      "pricing": {"local": {"amount": "100.00", "currency": "USD"}, "settlement": {"amount": "100.00", "currency": "USDC"}},
      "payments": []
    }
  }
}`, now.Unix()%1_000_000, at, id, typ, at, randid.UUID(), at, now.Add(time.Hour).UTC().Format(time.RFC3339), fmt.Sprintf(timeline, at)), nil
	}
}
