package stripe

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/money"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// event is the envelope of a Stripe event (API object "event").
type event struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	Created    *int64 `json:"created"`
	Livemode   *bool  `json:"livemode"`
	APIVersion string `json:"api_version"`
	Account    string `json:"account"`
	Data       struct {
		Object             json.RawMessage            `json:"object"`
		PreviousAttributes map[string]json.RawMessage `json:"previous_attributes"`
	} `json:"data"`
}

// object is the part of data.object every event is read for. The
// amount fields are judged only for events that carry money, so an
// unmapped event is never rejected for a field we do not use: they are
// read in the same pass as lazy fields, which never fail, and become
// amountFields in object.amounts.
type object struct {
	Object        string   `json:"object"`
	ID            string   `json:"id"`
	Customer      norm.Ref `json:"customer"`
	PaymentStatus string   `json:"payment_status"`
	Status        string   `json:"status"`

	Currency       lazyString `json:"currency"`
	Amount         lazyInt    `json:"amount"`
	AmountReceived lazyInt    `json:"amount_received"`
	AmountRefunded lazyInt    `json:"amount_refunded"`
	AmountPaid     lazyInt    `json:"amount_paid"`
	AmountDue      lazyInt    `json:"amount_due"`
	AmountTotal    lazyInt    `json:"amount_total"`
	Refunded       lazyBool   `json:"refunded"`
}

// amounts returns the amount fields as decoding data.object into
// amountFields would, or false when one of them held a value the lazy
// fields do not take; json.Unmarshal then judges the object itself, so
// the result and the error are exactly its own.
func (o *object) amounts() (amountFields, bool) {
	if o.Currency.odd || o.Amount.odd || o.AmountReceived.odd || o.AmountRefunded.odd ||
		o.AmountPaid.odd || o.AmountDue.odd || o.AmountTotal.odd || o.Refunded.odd {
		return amountFields{}, false
	}
	return amountFields{
		Currency:       o.Currency.s,
		Amount:         o.Amount.ptr(),
		AmountReceived: o.AmountReceived.ptr(),
		AmountRefunded: o.AmountRefunded.ptr(),
		AmountPaid:     o.AmountPaid.ptr(),
		AmountDue:      o.AmountDue.ptr(),
		AmountTotal:    o.AmountTotal.ptr(),
		Refunded:       o.Refunded.ptr(),
	}, true
}

// amountFields are the integer amount fields of the objects whose events
// carry money, in Stripe's smallest currency unit.
type amountFields struct {
	Currency       string `json:"currency"`
	Amount         *int64 `json:"amount"`
	AmountReceived *int64 `json:"amount_received"`
	AmountRefunded *int64 `json:"amount_refunded"`
	AmountPaid     *int64 `json:"amount_paid"`
	AmountDue      *int64 `json:"amount_due"`
	AmountTotal    *int64 `json:"amount_total"`
	Refunded       *bool  `json:"refunded"`
}

// normalize reads a Stripe event. Required: a JSON object with
// "type" and a data.object that is an object with an "object" name.
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	var e event
	if err := norm.DecodeObject("stripe", r.Body, &e); err != nil {
		return err
	}
	if e.Type == "" {
		return norm.Invalid("stripe", "event has no type")
	}
	if !norm.IsObject(e.Data.Object) {
		return norm.Invalid("stripe", "event %q has no data.object", e.Type)
	}
	var obj object
	if err := norm.Unmarshal(e.Data.Object, &obj); err != nil {
		return norm.Invalid("stripe", "decode data.object of %q: %v", e.Type, err)
	}
	if obj.Object == "" {
		return norm.Invalid("stripe", "data.object of %q has no \"object\" name", e.Type)
	}

	ev.SourceEventType = e.Type
	ev.EventType = norm.Mapped(mapping, e.Type)
	ev.EntityType = obj.Object
	ev.EntityId = obj.ID
	ev.UserId = string(obj.Customer)
	if obj.Object == "customer" {
		// The customer is the user its own events are about.
		ev.UserId = obj.ID
	}
	ev.TenantId = e.Account
	if e.Created != nil {
		norm.Occurred(ev, norm.UnixTime(*e.Created))
	}
	if e.Livemode != nil {
		ev.Metadata["livemode"] = strconv.FormatBool(*e.Livemode)
	}
	norm.SetMeta(ev.Metadata, "api_version", e.APIVersion)
	if strings.HasSuffix(e.Type, ".updated") && len(e.Data.PreviousAttributes) > 0 {
		keys := make([]string, 0, len(e.Data.PreviousAttributes))
		for k := range e.Data.PreviousAttributes {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		ev.Metadata["previous_attributes"] = strings.Join(keys, ",")
	}
	norm.SetMeta(ev.Metadata, "status", obj.Status)

	if e.Type == "checkout.session.completed" {
		// A completed checkout is money received only when paid: with
		// delayed methods (bank debits) it completes "unpaid" and
		// checkout.session.async_payment_succeeded follows later.
		norm.SetMeta(ev.Metadata, "payment_status", obj.PaymentStatus)
		if obj.PaymentStatus != "paid" {
			ev.EventType = eventv1.EventType_EVENT_TYPE_UNMAPPED
		}
	}
	return setAmount(e.Type, &obj, e.Data.Object, ev)
}

// stripeAmount sets ev.Amount for the objects that carry money. The field
// is chosen per object: what a PaymentIntent actually received, what a
// charge was for (or, on charge.refunded, the total refunded so far), what
// an invoice collected, what a checkout session totalled.
func setAmount(eventType string, obj *object, raw json.RawMessage, ev *eventv1.NormalizedEvent) error {
	object := obj.Object
	switch object {
	case "payment_intent", "charge", "invoice", "checkout.session", "refund":
	default:
		return nil
	}
	a, ok := obj.amounts()
	if !ok {
		if err := norm.Unmarshal(raw, &a); err != nil {
			return norm.Invalid("stripe", "decode amount of %s in %q: %v", object, eventType, err)
		}
	}
	var units *int64
	switch object {
	case "payment_intent":
		units = a.AmountReceived
		if units == nil || (*units == 0 && !strings.HasSuffix(eventType, ".succeeded")) {
			// Before success nothing was received; the intended amount
			// is what a failure or a pending intent is about.
			units = a.Amount
		}
	case "charge":
		units = a.Amount
		if eventType == "charge.refunded" {
			units = a.AmountRefunded
			if a.Refunded != nil {
				ev.Metadata["fully_refunded"] = strconv.FormatBool(*a.Refunded)
			}
		}
	case "invoice":
		units = a.AmountPaid
		if strings.HasSuffix(eventType, "failed") || units == nil {
			units = a.AmountDue
		}
	case "checkout.session":
		units = a.AmountTotal
	case "refund":
		units = a.Amount
	}
	if units == nil {
		return nil
	}
	if a.Currency == "" {
		return norm.Invalid("stripe", "%s in %q has an amount but no currency", object, eventType)
	}
	m, err := money.FromMinorUnits("stripe", *units, a.Currency)
	if err != nil {
		return norm.Invalid("stripe", "amount of %s in %q: %v", object, eventType, err)
	}
	ev.Amount = m
	return nil
}
