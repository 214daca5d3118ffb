package razorpay

import (
	"encoding/json"
	"strings"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/money"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// event is the envelope of every Razorpay webhook: the event name, the
// entities it contains, each under payload.<name>.entity.
type event struct {
	Event     string   `json:"event"`
	AccountID string   `json:"account_id"`
	Contains  []string `json:"contains"`
	CreatedAt *int64   `json:"created_at"`
	Payload   map[string]struct {
		Entity json.RawMessage `json:"entity"`
	} `json:"payload"`
}

// entity is what is read of the main entity (a payment, order, refund,
// subscription ...).
type entity struct {
	ID         string  `json:"id"`
	Status     string  `json:"status"`
	OrderID    string  `json:"order_id"`
	PaymentID  string  `json:"payment_id"`
	CustomerID string  `json:"customer_id"`
	PlanID     string  `json:"plan_id"`
	Method     string  `json:"method"`
	Email      string  `json:"email"`
	ErrorCode  *string `json:"error_code"`
}

// amount is the money of payments, orders and refunds, in the currency's
// smallest unit (paise for INR).
type amount struct {
	Amount   *int64 `json:"amount"`
	Currency string `json:"currency"`
}

// moneyEntities carry an amount worth normalizing.
var moneyEntities = map[string]bool{"payment": true, "order": true, "refund": true}

// normalize reads a Razorpay webhook. Required: a JSON object with an
// event name; the main entity is payload.<prefix of the event name>.entity
// (payload.payment.entity of payment.captured), else the first of
// "contains".
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	var e event
	if err := norm.DecodeObject(name, r.Body, &e); err != nil {
		return err
	}
	if e.Event == "" {
		return norm.Invalid(name, "body has no event")
	}
	ev.SourceEventType = e.Event
	ev.EventType = norm.Mapped(mapping, e.Event)
	ev.TenantId = e.AccountID
	if e.CreatedAt != nil {
		norm.Occurred(ev, norm.UnixTime(*e.CreatedAt))
	}
	kind, _, _ := strings.Cut(e.Event, ".")
	raw := e.Payload[kind].Entity
	if !norm.IsObject(raw) && len(e.Contains) > 0 {
		kind = e.Contains[0]
		raw = e.Payload[kind].Entity
	}
	if !norm.IsObject(raw) {
		return nil // an event without entities (there are none today) still flows
	}
	var d entity
	if err := norm.Unmarshal(raw, &d); err != nil {
		return norm.Invalid(name, "decode payload.%s.entity of %q: %v", kind, e.Event, err)
	}
	ev.EntityType = kind
	ev.EntityId = d.ID
	ev.UserId = d.CustomerID
	norm.SetMeta(ev.Metadata, "status", d.Status)
	norm.SetMeta(ev.Metadata, "order_id", d.OrderID)
	norm.SetMeta(ev.Metadata, "payment_id", d.PaymentID)
	norm.SetMeta(ev.Metadata, "plan_id", d.PlanID)
	norm.SetMeta(ev.Metadata, "method", d.Method)
	if d.ErrorCode != nil {
		norm.SetMeta(ev.Metadata, "error_code", *d.ErrorCode)
	}
	if !moneyEntities[kind] {
		return nil
	}
	var a amount
	if err := norm.Unmarshal(raw, &a); err != nil {
		return norm.Invalid(name, "decode amount of payload.%s.entity of %q: %v", kind, e.Event, err)
	}
	if a.Amount == nil {
		return nil
	}
	m, err := money.FromMinorUnits(name, *a.Amount, a.Currency)
	if err != nil {
		return norm.Invalid(name, "amount of %s in %q: %v", kind, e.Event, err)
	}
	ev.Amount = m
	return nil
}
