package normalize

import (
	"strings"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/normalizer/internal/money"
)

// adyenNotification is an Adyen standard webhook: {"live": "false",
// "notificationItems": [{"NotificationRequestItem": {...}}]}. Adyen sends
// flags as the strings "true"/"false".
type adyenNotification struct {
	Live              jsonBool `json:"live"`
	NotificationItems []struct {
		Item *adyenItem `json:"NotificationRequestItem"`
	} `json:"notificationItems"`
}

// adyenItem is one NotificationRequestItem. amount.value is in minor units
// by Adyen's currency table, which differs from ISO 4217 for CLP, CVE, IDR
// and ISK (see money.FromMinorUnits).
type adyenItem struct {
	EventCode           string   `json:"eventCode"`
	Success             jsonBool `json:"success"`
	PSPReference        string   `json:"pspReference"`
	OriginalReference   string   `json:"originalReference"`
	MerchantAccountCode string   `json:"merchantAccountCode"`
	MerchantReference   string   `json:"merchantReference"`
	PaymentMethod       string   `json:"paymentMethod"`
	Reason              string   `json:"reason"`
	EventDate           jsonTime `json:"eventDate"`
	Amount              *struct {
		Value    *int64 `json:"value"`
		Currency string `json:"currency"`
	} `json:"amount"`
	AdditionalData map[string]any `json:"additionalData"`
}

// adyenSuccessTypes maps the event codes whose meaning depends on success.
// An AUTHORISATION that failed is a failed payment; a REFUND that failed
// returned nothing and stays UNMAPPED.
var adyenSuccessTypes = map[string][2]eventv1.EventType{
	// {success, failure}
	"AUTHORISATION": {eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED, eventv1.EventType_EVENT_TYPE_PAYMENT_FAILED},
	"REFUND":        {eventv1.EventType_EVENT_TYPE_PAYMENT_REFUNDED, eventv1.EventType_EVENT_TYPE_UNMAPPED},
}

// adyenReport is the event code of a report ready for download: its
// amount is a placeholder zero.
const adyenReport = "REPORT_AVAILABLE"

// normalizeAdyen reads an Adyen standard webhook. Required: a JSON object
// with at least one notification item that has an eventCode. Only the
// first item becomes the event (see batchMeta).
func normalizeAdyen(r request, ev *eventv1.NormalizedEvent) error {
	var n adyenNotification
	if err := decodeObject("adyen", r.body, &n); err != nil {
		return err
	}
	if len(n.NotificationItems) == 0 {
		return invalid("adyen", "body has no notificationItems")
	}
	ids := make([]string, len(n.NotificationItems))
	for i, w := range n.NotificationItems {
		if w.Item == nil || w.Item.EventCode == "" {
			return invalid("adyen", "notification item %d has no NotificationRequestItem.eventCode", i)
		}
		ids[i] = w.Item.PSPReference
	}
	it := n.NotificationItems[0].Item
	ev.SourceEventType = it.EventCode
	ev.EventType = eventType("adyen", it.EventCode)
	if t, ok := adyenSuccessTypes[it.EventCode]; ok {
		// Without success=true nothing happened: a missing flag is a
		// failure, never a completed payment.
		ev.EventType = t[1]
		if it.Success.value {
			ev.EventType = t[0]
		}
	}
	ev.EntityType = "payment"
	if it.EventCode == adyenReport {
		// pspReference names the report file; there is no money.
		ev.EntityType = "report"
	}
	if it.OriginalReference != "" {
		// Modifications (REFUND, CAPTURE, CANCELLATION) have their own
		// pspReference; originalReference is the payment's.
		ev.EntityType = strings.ToLower(it.EventCode)
		setMeta(ev.Metadata, "original_reference", it.OriginalReference)
	}
	ev.EntityId = it.PSPReference
	ev.TenantId = it.MerchantAccountCode
	if s, ok := it.AdditionalData["shopperReference"].(string); ok {
		ev.UserId = s
	}
	occurred(ev, it.EventDate.Time)
	setMeta(ev.Metadata, "live", n.Live.String())
	setMeta(ev.Metadata, "success", it.Success.String())
	setMeta(ev.Metadata, "merchant_reference", it.MerchantReference)
	setMeta(ev.Metadata, "payment_method", it.PaymentMethod)
	setMeta(ev.Metadata, "reason", it.Reason)
	batchMeta(ev, ids)

	if it.Amount == nil || it.Amount.Value == nil || it.EventCode == adyenReport {
		return nil
	}
	m, err := money.FromMinorUnits("adyen", *it.Amount.Value, it.Amount.Currency)
	if err != nil {
		return invalid("adyen", "amount of %s: %v", it.EventCode, err)
	}
	ev.Amount = m
	return nil
}
