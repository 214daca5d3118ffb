package adyen

import (
	"strings"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/money"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// notification is an Adyen standard webhook: {"live": "false",
// "notificationItems": [{"NotificationRequestItem": {...}}]}. Adyen sends
// flags as the strings "true"/"false".
type notification struct {
	Live              norm.Bool `json:"live"`
	NotificationItems []struct {
		Item *notificationItem `json:"NotificationRequestItem"`
	} `json:"notificationItems"`
}

// notificationItem is one NotificationRequestItem. amount.value is in minor units
// by Adyen's currency table, which differs from ISO 4217 for CLP, CVE, IDR
// and ISK (see money.FromMinorUnits).
type notificationItem struct {
	EventCode           string    `json:"eventCode"`
	Success             norm.Bool `json:"success"`
	PSPReference        string    `json:"pspReference"`
	OriginalReference   string    `json:"originalReference"`
	MerchantAccountCode string    `json:"merchantAccountCode"`
	MerchantReference   string    `json:"merchantReference"`
	PaymentMethod       string    `json:"paymentMethod"`
	Reason              string    `json:"reason"`
	EventDate           norm.Time `json:"eventDate"`
	Amount              *struct {
		Value    *int64 `json:"value"`
		Currency string `json:"currency"`
	} `json:"amount"`
	AdditionalData map[string]any `json:"additionalData"`
}

// successTypes maps the event codes whose meaning depends on success.
// An AUTHORISATION that failed is a failed payment; a REFUND that failed
// returned nothing and stays UNMAPPED.
var successTypes = map[string][2]eventv1.EventType{
	// {success, failure}
	"AUTHORISATION": {eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED, eventv1.EventType_EVENT_TYPE_PAYMENT_FAILED},
	"REFUND":        {eventv1.EventType_EVENT_TYPE_PAYMENT_REFUNDED, eventv1.EventType_EVENT_TYPE_UNMAPPED},
}

// adyenReport is the event code of a report ready for download: its
// amount is a placeholder zero.
const adyenReport = "REPORT_AVAILABLE"

// normalize reads an Adyen standard webhook. Required: a JSON object
// with at least one notification item, every one with an eventCode. Only
// the first item becomes the event (see batchMeta; allItems reads them
// all).
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	items, live, err := decode(r.Body)
	if err != nil {
		return err
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.PSPReference
	}
	// Metadata first: an amount that cannot be read fails the event
	// whatever else it holds.
	norm.BatchMeta(ev, ids)
	return fill(items[0], live, ev)
}

// allItems reads every notification item into its own event.
func allItems(r norm.Request, newEvent func() *eventv1.NormalizedEvent) ([]*eventv1.NormalizedEvent, error) {
	items, live, err := decode(r.Body)
	if err != nil {
		return nil, err
	}
	return norm.EachItem(items, newEvent, func(it *notificationItem, _ int, ev *eventv1.NormalizedEvent) error {
		return fill(it, live, ev)
	})
}

// decode returns the notification items and the live flag; every
// item must have an eventCode.
func decode(body []byte) ([]*notificationItem, norm.Bool, error) {
	var n notification
	if err := norm.DecodeObject("adyen", body, &n); err != nil {
		return nil, norm.Bool{}, err
	}
	if len(n.NotificationItems) == 0 {
		return nil, norm.Bool{}, norm.Invalid("adyen", "body has no notificationItems")
	}
	items := make([]*notificationItem, len(n.NotificationItems))
	for i, w := range n.NotificationItems {
		if w.Item == nil || w.Item.EventCode == "" {
			return nil, norm.Bool{}, norm.Invalid("adyen", "notification item %d has no NotificationRequestItem.eventCode", i)
		}
		items[i] = w.Item
	}
	return items, n.Live, nil
}

// fill fills ev from one notification item.
func fill(it *notificationItem, live norm.Bool, ev *eventv1.NormalizedEvent) error {
	ev.SourceEventType = it.EventCode
	ev.EventType = norm.Mapped(mapping, it.EventCode)
	if t, ok := successTypes[it.EventCode]; ok {
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
		norm.SetMeta(ev.Metadata, "original_reference", it.OriginalReference)
	}
	ev.EntityId = it.PSPReference
	ev.TenantId = it.MerchantAccountCode
	if s, ok := it.AdditionalData["shopperReference"].(string); ok {
		ev.UserId = s
	}
	norm.Occurred(ev, it.EventDate.Time)
	norm.SetMeta(ev.Metadata, "live", live.String())
	norm.SetMeta(ev.Metadata, "success", it.Success.String())
	norm.SetMeta(ev.Metadata, "merchant_reference", it.MerchantReference)
	norm.SetMeta(ev.Metadata, "payment_method", it.PaymentMethod)
	norm.SetMeta(ev.Metadata, "reason", it.Reason)

	if it.Amount == nil || it.Amount.Value == nil || it.EventCode == adyenReport {
		return nil
	}
	m, err := money.FromMinorUnits("adyen", *it.Amount.Value, it.Amount.Currency)
	if err != nil {
		return norm.Invalid("adyen", "amount of %s: %v", it.EventCode, err)
	}
	ev.Amount = m
	return nil
}
