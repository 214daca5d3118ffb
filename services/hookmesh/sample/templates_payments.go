package sample

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Payments: Adyen. Money is as Adyen sends it: integer minor units.

var adyenTemplates = map[string]template{
	"AUTHORISATION": adyenEvent(`"additionalData": {"authCode": "058705", "cardSummary": "1111", "expiryDate": "03/2030", "shopperReference": "shopper-7781", "cardBin": "411111", "issuerCountry": "US"}, "amount": {"currency": "EUR", "value": 1000}, "eventCode": "AUTHORISATION", "merchantReference": "order-%[2]s", "operations": ["CANCEL", "CAPTURE", "REFUND"], "paymentMethod": "visa", "reason": "058705:1111:03/2030", "success": "true"`),
	"REFUND":        adyenEvent(`"additionalData": {"shopperReference": "shopper-7781"}, "amount": {"currency": "EUR", "value": 1000}, "eventCode": "REFUND", "merchantReference": "order-%[2]s", "originalReference": "%[3]s", "paymentMethod": "visa", "reason": "", "success": "true"`),
	"CAPTURE":       adyenEvent(`"additionalData": {"shopperReference": "shopper-7781"}, "amount": {"currency": "EUR", "value": 1000}, "eventCode": "CAPTURE", "merchantReference": "order-%[2]s", "originalReference": "%[3]s", "paymentMethod": "visa", "reason": "", "success": "true"`),
}

// adyenEvent renders a one-item notification; in fields %[2]s is an order
// number and %[3]s the pspReference of the original payment. Sign adds
// additionalData.hmacSignature.
func adyenEvent(fields string) template {
	return func(id string, now time.Time) (string, http.Header) {
		item := fmt.Sprintf(`{"NotificationRequestItem": {%s, "eventDate": "%s", "merchantAccountCode": "AcmeShopEUR", "pspReference": "%s"}}`,
			fmt.Sprintf(fields, "", strconv.Itoa(1000+int(randUint()%9000)), newID("adyen", now)), now.Format(time.RFC3339), id)
		return fmt.Sprintf(`{"live": "false", "notificationItems": [%s]}`, item), nil
	}
}
