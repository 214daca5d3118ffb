package adyen

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// samples are the Adyen notifications `hookmesh send` builds, unsigned:
// Sign adds every item's hmacSignature. The key is
// "pspReference:eventCode:success", not the fresh id alone.
var samples = platform.Samples{
	Default:        "AUTHORISATION",
	NewID:          newID,
	Templates:      templates,
	KeyedByContent: true,
}

// newID is a pspReference.
func newID(time.Time) string { return strings.ToUpper(randid.Alnum(16)) }

// Money is as Adyen sends it: integer minor units.
var templates = map[string]platform.Template{
	"AUTHORISATION": event(`"additionalData": {"authCode": "058705", "cardSummary": "1111", "expiryDate": "03/2030", "shopperReference": "shopper-7781", "cardBin": "411111", "issuerCountry": "US"}, "amount": {"currency": "EUR", "value": 1000}, "eventCode": "AUTHORISATION", "merchantReference": "order-%[2]s", "operations": ["CANCEL", "CAPTURE", "REFUND"], "paymentMethod": "visa", "reason": "058705:1111:03/2030", "success": "true"`),
	"REFUND":        event(`"additionalData": {"shopperReference": "shopper-7781"}, "amount": {"currency": "EUR", "value": 1000}, "eventCode": "REFUND", "merchantReference": "order-%[2]s", "originalReference": "%[3]s", "paymentMethod": "visa", "reason": "", "success": "true"`),
	"CAPTURE":       event(`"additionalData": {"shopperReference": "shopper-7781"}, "amount": {"currency": "EUR", "value": 1000}, "eventCode": "CAPTURE", "merchantReference": "order-%[2]s", "originalReference": "%[3]s", "paymentMethod": "visa", "reason": "", "success": "true"`),
}

// event renders a one-item notification; in fields %[2]s is an order
// number and %[3]s the pspReference of the original payment. Sign adds
// additionalData.hmacSignature.
func event(fields string) platform.Template {
	return func(id string, now time.Time) (string, http.Header) {
		item := fmt.Sprintf(`{"NotificationRequestItem": {%s, "eventDate": "%s", "merchantAccountCode": "AcmeShopEUR", "pspReference": "%s"}}`,
			fmt.Sprintf(fields, "", strconv.Itoa(1000+int(randid.Uint()%9000)), newID(now)), now.Format(time.RFC3339), id)
		return fmt.Sprintf(`{"live": "false", "notificationItems": [%s]}`, item), nil
	}
}
