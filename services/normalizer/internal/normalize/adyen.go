package normalize

import (
	"strings"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/money"
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
// with at least one notification item, every one with an eventCode. Only
// the first item becomes the event (see batchMeta; adyenItems reads them
// all).
func normalizeAdyen(r request, ev *eventv1.NormalizedEvent) error {
	items, live, err := decodeAdyen(r.Body)
	if err != nil {
		return err
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.PSPReference
	}
	// Metadata first: an amount that cannot be read fails the event
	// whatever else it holds.
	batchMeta(ev, ids)
	return adyenFill(items[0], live, ev)
}

// adyenItems reads every notification item into its own event.
func adyenItems(r request, newEvent func() *eventv1.NormalizedEvent) ([]*eventv1.NormalizedEvent, error) {
	items, live, err := decodeAdyen(r.Body)
	if err != nil {
		return nil, err
	}
	return eachItem(items, newEvent, func(it *adyenItem, _ int, ev *eventv1.NormalizedEvent) error {
		return adyenFill(it, live, ev)
	})
}

// decodeAdyen returns the notification items and the live flag; every
// item must have an eventCode.
func decodeAdyen(body []byte) ([]*adyenItem, jsonBool, error) {
	var n adyenNotification
	if err := decodeObject("adyen", body, &n); err != nil {
		return nil, jsonBool{}, err
	}
	if len(n.NotificationItems) == 0 {
		return nil, jsonBool{}, invalid("adyen", "body has no notificationItems")
	}
	items := make([]*adyenItem, len(n.NotificationItems))
	for i, w := range n.NotificationItems {
		if w.Item == nil || w.Item.EventCode == "" {
			return nil, jsonBool{}, invalid("adyen", "notification item %d has no NotificationRequestItem.eventCode", i)
		}
		items[i] = w.Item
	}
	return items, n.Live, nil
}

// adyenFill fills ev from one notification item.
func adyenFill(it *adyenItem, live jsonBool, ev *eventv1.NormalizedEvent) error {
	ev.SourceEventType = it.EventCode
	ev.EventType = eventType("adyen", it.EventCode)
	if t, ok := adyenSuccessTypes[it.EventCode]; ok {
		// Without success=true nothing happened: a missing flag is a
		// failure, never a completed payment.
		ev.EventType = t[1]
		if it.Success.True() {
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
	setMeta(ev.Metadata, "live", live.String())
	setMeta(ev.Metadata, "success", it.Success.String())
	setMeta(ev.Metadata, "merchant_reference", it.MerchantReference)
	setMeta(ev.Metadata, "payment_method", it.PaymentMethod)
	setMeta(ev.Metadata, "reason", it.Reason)

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
