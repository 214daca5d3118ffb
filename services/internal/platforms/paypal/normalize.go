package paypal

import (
	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/money"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// event is a PayPal webhook event.
type event struct {
	EventType       string    `json:"event_type"`
	ResourceType    string    `json:"resource_type"`
	ResourceVersion string    `json:"resource_version"`
	CreateTime      norm.Time `json:"create_time"`
	Resource        *resource `json:"resource"`
}

// resource is what is read of the event's resource (a capture, refund,
// sale, subscription ...). Amounts are decimal strings: {currency_code,
// value} in v2 resources, {total, currency} in v1 ones.
type resource struct {
	ID        string `json:"id"`
	Status    string `json:"status"`
	State     string `json:"state"`
	InvoiceID string `json:"invoice_id"`
	PlanID    string `json:"plan_id"`
	Amount    *struct {
		CurrencyCode string `json:"currency_code"`
		Value        string `json:"value"`
		Currency     string `json:"currency"`
		Total        string `json:"total"`
	} `json:"amount"`
	Subscriber *struct {
		PayerID string `json:"payer_id"`
	} `json:"subscriber"`
	SupplementaryData *struct {
		RelatedIDs struct {
			OrderID string `json:"order_id"`
		} `json:"related_ids"`
	} `json:"supplementary_data"`
	ParentPayment string `json:"parent_payment"`
}

// normalize reads a PayPal event. Required: a JSON object with an
// event_type.
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	var e event
	if err := norm.DecodeObject(name, r.Body, &e); err != nil {
		return err
	}
	if e.EventType == "" {
		return norm.Invalid(name, "body has no event_type")
	}
	ev.SourceEventType = e.EventType
	ev.EventType = norm.Mapped(mapping, e.EventType)
	ev.EntityType = e.ResourceType
	norm.Occurred(ev, e.CreateTime.Time)
	norm.SetMeta(ev.Metadata, "resource_version", e.ResourceVersion)
	d := e.Resource
	if d == nil {
		return nil
	}
	ev.EntityId = d.ID
	if d.Subscriber != nil {
		ev.UserId = d.Subscriber.PayerID
	}
	norm.SetMeta(ev.Metadata, "status", d.Status)
	norm.SetMeta(ev.Metadata, "state", d.State)
	norm.SetMeta(ev.Metadata, "invoice_id", d.InvoiceID)
	norm.SetMeta(ev.Metadata, "plan_id", d.PlanID)
	norm.SetMeta(ev.Metadata, "parent_payment", d.ParentPayment)
	if d.SupplementaryData != nil {
		norm.SetMeta(ev.Metadata, "order_id", d.SupplementaryData.RelatedIDs.OrderID)
	}
	if d.Amount == nil {
		return nil
	}
	value, currency := d.Amount.Value, d.Amount.CurrencyCode
	if value == "" {
		value, currency = d.Amount.Total, d.Amount.Currency
	}
	if value == "" {
		return nil
	}
	m, err := money.ParseDecimal(value, currency)
	if err != nil {
		return norm.Invalid(name, "amount of %q: %v", e.EventType, err)
	}
	ev.Amount = m
	return nil
}
