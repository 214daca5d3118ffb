package square

import (
	"encoding/json"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/money"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// squareEvent is a Square webhook: {"merchant_id": ..., "type":
// "payment.updated", "event_id": ..., "created_at": ..., "data": {"type":
// "payment", "id": ..., "object": {"payment": {...}}}}.
type squareEvent struct {
	MerchantID string    `json:"merchant_id"`
	Type       string    `json:"type"`
	EventID    string    `json:"event_id"`
	CreatedAt  norm.Time `json:"created_at"`
	Data       *struct {
		Type   string                     `json:"type"`
		ID     string                     `json:"id"`
		Object map[string]json.RawMessage `json:"object"`
	} `json:"data"`
}

// squareMoney is Square's Money: an integer amount in the currency's
// smallest denomination (cents for USD, yen for JPY).
type squareMoney struct {
	Amount   *int64 `json:"amount"`
	Currency string `json:"currency"`
}

// squareObject is the part of a payment, refund, order, customer or
// subscription the adapter reads. An order webhook carries only a summary
// (order_id, state), no money.
type squareObject struct {
	ID          string       `json:"id"`
	Status      string       `json:"status"`
	State       string       `json:"state"`
	OrderID     string       `json:"order_id"`
	PaymentID   string       `json:"payment_id"`
	LocationID  string       `json:"location_id"`
	CustomerID  string       `json:"customer_id"`
	SourceType  string       `json:"source_type"`
	AmountMoney *squareMoney `json:"amount_money"`
	TotalMoney  *squareMoney `json:"total_money"`
}

// squareStatusTypes maps the payment and refund events whose meaning
// depends on the object's status: a payment is COMPLETED or FAILED, a
// refund COMPLETED, only in some of its payment.created/.updated and
// refund.created/.updated events. Other statuses (APPROVED, PENDING,
// CANCELED ...) stay UNMAPPED.
var squareStatusTypes = map[[2]string]eventv1.EventType{
	{"payment", "COMPLETED"}: eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
	{"payment", "FAILED"}:    eventv1.EventType_EVENT_TYPE_PAYMENT_FAILED,
	{"refund", "COMPLETED"}:  eventv1.EventType_EVENT_TYPE_PAYMENT_REFUNDED,
}

// normalize reads a Square webhook. Required: a JSON object with
// type and a data object.
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	var e squareEvent
	if err := norm.DecodeObject("square", r.Body, &e); err != nil {
		return err
	}
	if e.Type == "" {
		return norm.Invalid("square", "body has no type")
	}
	if e.Data == nil {
		return norm.Invalid("square", "event %q has no data", e.Type)
	}
	ev.SourceEventType = e.Type
	ev.EventType = norm.Mapped(mapping, e.Type)
	ev.EntityType = e.Data.Type
	ev.EntityId = e.Data.ID
	ev.TenantId = e.MerchantID
	norm.Occurred(ev, e.CreatedAt.Time)

	// data.object holds the resource under one key: "payment",
	// "refund", "customer", "order_created", "order_updated" ...
	var obj squareObject
	for _, key := range []string{e.Data.Type, "order_created", "order_updated"} {
		raw, ok := e.Data.Object[key]
		if !ok || !norm.IsObject(raw) {
			continue
		}
		if err := norm.Unmarshal(raw, &obj); err != nil {
			return norm.Invalid("square", "decode data.object.%s of %q: %v", key, e.Type, err)
		}
		break
	}
	ev.UserId = obj.CustomerID
	if e.Data.Type == "customer" {
		ev.UserId = e.Data.ID
	}
	norm.SetMeta(ev.Metadata, "status", obj.Status)
	norm.SetMeta(ev.Metadata, "state", obj.State)
	norm.SetMeta(ev.Metadata, "order_id", obj.OrderID)
	norm.SetMeta(ev.Metadata, "payment_id", obj.PaymentID)
	norm.SetMeta(ev.Metadata, "location_id", obj.LocationID)
	norm.SetMeta(ev.Metadata, "source_type", obj.SourceType)

	switch e.Type {
	case "payment.created", "payment.updated", "refund.created", "refund.updated":
		ev.EventType = eventv1.EventType_EVENT_TYPE_UNMAPPED
		if t, ok := squareStatusTypes[[2]string{e.Data.Type, obj.Status}]; ok {
			ev.EventType = t
		}
	case "order.updated":
		if obj.State == "CANCELED" {
			ev.EventType = eventv1.EventType_EVENT_TYPE_ORDER_CANCELLED
		}
	case "subscription.updated":
		if obj.Status == "CANCELED" {
			ev.EventType = eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_CANCELLED
		}
	}
	switch e.Data.Type {
	case "payment", "refund":
		return squareAmount(e.Type, &obj, ev)
	}
	return nil
}

// squareAmount sets the money of a payment (total_money: the amount plus
// tip, what the buyer paid; amount_money when total_money is absent) or a
// refund (amount_money).
func squareAmount(eventType string, obj *squareObject, ev *eventv1.NormalizedEvent) error {
	m := obj.TotalMoney
	if m == nil || m.Amount == nil {
		m = obj.AmountMoney
	}
	if m == nil || m.Amount == nil {
		return nil
	}
	v, err := money.FromMinorUnits("square", *m.Amount, m.Currency)
	if err != nil {
		return norm.Invalid("square", "amount of %q: %v", eventType, err)
	}
	ev.Amount = v
	return nil
}
