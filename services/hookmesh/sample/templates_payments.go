package sample

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Payments and CRM platforms: Adyen, HubSpot. Money is as each sends
// it: Adyen integer minor units.

// HubSpot posts a JSON array of events; hubspotItem renders one. %[1]s is
// the eventId, %[2]d occurredAt (ms), %[3]s objectId.
func hubspotItem(eventID string, now time.Time, format string) string {
	return fmt.Sprintf(format, eventID, now.UnixMilli(), strconv.FormatUint(100+randUint()%1e10, 10))
}

const (
	hubspotContactCreation = `{"eventId": %[1]s, "subscriptionId": 2486631, "portalId": 62515, "appId": 1160452, "occurredAt": %[2]d, "subscriptionType": "contact.creation", "attemptNumber": 0, "objectId": %[3]s, "changeFlag": "CREATED", "changeSource": "CRM_UI", "sourceId": "userId:215482"}`
	hubspotPropertyChange  = `{"eventId": %[1]s, "subscriptionId": 2486632, "portalId": 62515, "appId": 1160452, "occurredAt": %[2]d, "subscriptionType": "contact.propertyChange", "attemptNumber": 0, "objectId": %[3]s, "propertyName": "email", "propertyValue": "grace@example.com", "changeSource": "CRM_UI", "sourceId": "userId:215482"}`
	hubspotDealCreation    = `{"eventId": %[1]s, "subscriptionId": 2486640, "portalId": 62515, "appId": 1160452, "occurredAt": %[2]d, "subscriptionType": "deal.creation", "attemptNumber": 0, "objectId": %[3]s, "changeFlag": "CREATED", "changeSource": "CRM_UI"}`
)

var hubspotTemplates = map[string]template{
	"contact.creation":       hubspotEvents(hubspotContactCreation),
	"contact.propertyChange": hubspotEvents(hubspotPropertyChange),
	"deal.creation":          hubspotEvents(hubspotDealCreation),
	// HubSpot batches up to 100 events per request: the key is then the
	// hash of their ids.
	"batch": hubspotEvents(hubspotContactCreation, hubspotPropertyChange, hubspotDealCreation),
}

// hubspotEvents renders one event per format, the first with the fresh id.
func hubspotEvents(formats ...string) template {
	return func(id string, now time.Time) (string, http.Header) {
		items := make([]string, len(formats))
		for i, f := range formats {
			eid := id
			if i > 0 {
				eid = newID("hubspot", now)
			}
			items[i] = hubspotItem(eid, now, f)
		}
		return "[" + strings.Join(items, ",") + "]", nil
	}
}

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
