package paddle

import (
	"encoding/json"
	"strings"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/money"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// paddleEvent is the envelope of a Paddle Billing notification.
type paddleEvent struct {
	EventID        string          `json:"event_id"`
	EventType      string          `json:"event_type"`
	OccurredAt     norm.Time       `json:"occurred_at"`
	NotificationID string          `json:"notification_id"`
	Data           json.RawMessage `json:"data"`
}

// paddleTotals are amounts as strings of the lowest denomination of the
// currency ("1999" is 19.99 USD).
type paddleTotals struct {
	Total        *string `json:"total"`
	GrandTotal   *string `json:"grand_total"`
	CurrencyCode string  `json:"currency_code"`
}

// paddleEntity is the part of data (a transaction, subscription, customer,
// adjustment ...) the adapter reads.
type paddleEntity struct {
	ID             string `json:"id"`
	Status         string `json:"status"`
	CustomerID     string `json:"customer_id"`
	SubscriptionID string `json:"subscription_id"`
	TransactionID  string `json:"transaction_id"`
	InvoiceNumber  string `json:"invoice_number"`
	Origin         string `json:"origin"`
	Action         string `json:"action"`
	CurrencyCode   string `json:"currency_code"`
	Details        *struct {
		Totals *paddleTotals `json:"totals"`
	} `json:"details"`
	// Totals of an adjustment.
	Totals *paddleTotals `json:"totals"`
}

// normalize reads a Paddle Billing webhook. Required: a JSON object
// with event_type and a data object. The entity is the event type's prefix
// (transaction, subscription, customer, adjustment ...).
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	var e paddleEvent
	if err := norm.DecodeObject("paddle", r.Body, &e); err != nil {
		return err
	}
	if e.EventType == "" {
		return norm.Invalid("paddle", "body has no event_type")
	}
	if !norm.IsObject(e.Data) {
		return norm.Invalid("paddle", "event %q has no data object", e.EventType)
	}
	var d paddleEntity
	if err := norm.Unmarshal(e.Data, &d); err != nil {
		return norm.Invalid("paddle", "decode data of %q: %v", e.EventType, err)
	}
	ev.SourceEventType = e.EventType
	ev.EventType = norm.Mapped(mapping, e.EventType)
	entity, _, _ := strings.Cut(e.EventType, ".")
	ev.EntityType = entity
	ev.EntityId = d.ID
	ev.UserId = d.CustomerID
	if entity == "customer" {
		ev.UserId = d.ID
	}
	norm.Occurred(ev, e.OccurredAt.Time)
	norm.SetMeta(ev.Metadata, "notification_id", e.NotificationID)
	norm.SetMeta(ev.Metadata, "status", d.Status)
	norm.SetMeta(ev.Metadata, "subscription_id", d.SubscriptionID)
	norm.SetMeta(ev.Metadata, "transaction_id", d.TransactionID)
	norm.SetMeta(ev.Metadata, "invoice_number", d.InvoiceNumber)
	norm.SetMeta(ev.Metadata, "origin", d.Origin)
	norm.SetMeta(ev.Metadata, "action", d.Action)

	var totals *paddleTotals
	switch entity {
	case "transaction":
		if d.Details != nil {
			totals = d.Details.Totals
		}
	case "adjustment":
		totals = d.Totals
		// An adjustment is money returned only when it is a refund Paddle
		// has approved: most are created pending_approval and
		// adjustment.updated follows with approved or rejected. Credits
		// and chargebacks stay UNMAPPED.
		if d.Action == "refund" && d.Status == "approved" {
			ev.EventType = eventv1.EventType_EVENT_TYPE_PAYMENT_REFUNDED
		}
	}
	return paddleAmount(e.EventType, totals, d.CurrencyCode, ev)
}

// paddleAmount sets the amount of a transaction (grand_total: after
// discount, tax and credits, before payments; total on payloads older
// than grand_total) or an adjustment (total).
func paddleAmount(eventType string, t *paddleTotals, currency string, ev *eventv1.NormalizedEvent) error {
	if t == nil {
		return nil
	}
	amount := t.GrandTotal
	if amount == nil {
		amount = t.Total
	}
	if amount == nil {
		return nil
	}
	if t.CurrencyCode != "" {
		currency = t.CurrencyCode
	}
	units, err := norm.MinorUnitsString(*amount)
	if err != nil {
		return norm.Invalid("paddle", "total of %q: %v", eventType, err)
	}
	m, err := money.FromMinorUnits("paddle", units, currency)
	if err != nil {
		return norm.Invalid("paddle", "total of %q: %v", eventType, err)
	}
	ev.Amount = m
	return nil
}
