package paystack

import (
	"encoding/json"
	"strings"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/money"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// event is a Paystack webhook: the event name and its data.
type event struct {
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data"`
}

// data is what is read of an event's data, whichever the resource.
type data struct {
	ID                   norm.ID   `json:"id"`
	Domain               string    `json:"domain"`
	Status               string    `json:"status"`
	Reference            string    `json:"reference"`
	SubscriptionCode     string    `json:"subscription_code"`
	InvoiceCode          string    `json:"invoice_code"`
	TransferCode         string    `json:"transfer_code"`
	RefundReference      string    `json:"refund_reference"`
	TransactionReference string    `json:"transaction_reference"`
	PaidAt               norm.Time `json:"paid_at"`
	CreatedAt            norm.Time `json:"created_at"`
	CreatedAtCamel       norm.Time `json:"createdAt"`
	Customer             *struct {
		CustomerCode string `json:"customer_code"`
	} `json:"customer"`
	Plan *struct {
		PlanCode string `json:"plan_code"`
	} `json:"plan"`
	Subscription *struct {
		SubscriptionCode string `json:"subscription_code"`
	} `json:"subscription"`
}

// amount is the money of charges, refunds and transfers: an integer of the
// currency's subunit (kobo for NGN) that refunds send as a string.
type amount struct {
	Amount   json.RawMessage `json:"amount"`
	Currency string          `json:"currency"`
}

// moneyResources carry an amount with its currency.
var moneyResources = map[string]bool{"charge": true, "refund": true, "transfer": true}

// normalize reads a Paystack webhook. Required: a JSON object with an
// event name and a data object. The resource is the event name's prefix.
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	var e event
	if err := norm.DecodeObject(name, r.Body, &e); err != nil {
		return err
	}
	if e.Event == "" {
		return norm.Invalid(name, "body has no event")
	}
	if !norm.IsObject(e.Data) {
		return norm.Invalid(name, "event %q has no data object", e.Event)
	}
	var d data
	if err := norm.Unmarshal(e.Data, &d); err != nil {
		return norm.Invalid(name, "decode data of %q: %v", e.Event, err)
	}
	resource, _, _ := strings.Cut(e.Event, ".")
	ev.SourceEventType = e.Event
	ev.EventType = norm.Mapped(mapping, e.Event)
	ev.EntityType = resource
	ev.EntityId = firstOf(d.SubscriptionCode, d.InvoiceCode, d.TransferCode, d.RefundReference, string(d.ID))
	if d.Customer != nil {
		ev.UserId = d.Customer.CustomerCode
	}
	norm.Occurred(ev, norm.FirstTime(d.PaidAt.Time, d.CreatedAt.Time, d.CreatedAtCamel.Time))
	norm.SetMeta(ev.Metadata, "status", d.Status)
	norm.SetMeta(ev.Metadata, "domain", d.Domain)
	norm.SetMeta(ev.Metadata, "reference", firstOf(d.Reference, d.TransactionReference))
	if d.Plan != nil {
		norm.SetMeta(ev.Metadata, "plan_code", d.Plan.PlanCode)
	}
	if d.Subscription != nil {
		norm.SetMeta(ev.Metadata, "subscription_code", d.Subscription.SubscriptionCode)
	}
	if !moneyResources[resource] {
		return nil
	}
	var a amount
	if err := norm.Unmarshal(e.Data, &a); err != nil {
		return norm.Invalid(name, "decode amount of %q: %v", e.Event, err)
	}
	if len(a.Amount) == 0 || string(a.Amount) == "null" || a.Currency == "" {
		return nil
	}
	text := string(a.Amount)
	if text[0] == '"' {
		var err error
		if text, err = norm.Unquote(a.Amount); err != nil {
			return norm.Invalid(name, "amount of %q: %v", e.Event, err)
		}
	}
	units, err := norm.MinorUnitsString(text)
	if err != nil {
		return norm.Invalid(name, "amount of %q: %v", e.Event, err)
	}
	m, err := money.FromMinorUnits(name, units, a.Currency)
	if err != nil {
		return norm.Invalid(name, "amount of %q: %v", e.Event, err)
	}
	ev.Amount = m
	return nil
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
