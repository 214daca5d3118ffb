package coinbase

import (
	"strconv"
	"strings"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/money"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// delivery is a Coinbase Commerce webhook: one event and its delivery's
// bookkeeping.
type delivery struct {
	ID            norm.ID `json:"id"`
	AttemptNumber *int64  `json:"attempt_number"`
	Event         *struct {
		Type       string    `json:"type"`
		APIVersion string    `json:"api_version"`
		CreatedAt  norm.Time `json:"created_at"`
		Data       *charge   `json:"data"`
	} `json:"event"`
}

// charge is what is read of the event's resource.
type charge struct {
	ID       string `json:"id"`
	Resource string `json:"resource"`
	Code     string `json:"code"`
	Metadata *struct {
		CustomerID norm.ID `json:"customer_id"`
	} `json:"metadata"`
	Pricing *struct {
		Local *struct {
			Amount   string `json:"amount"`
			Currency string `json:"currency"`
		} `json:"local"`
	} `json:"pricing"`
	Timeline []struct {
		Status string `json:"status"`
	} `json:"timeline"`
}

// normalize reads a Coinbase Commerce webhook. Required: a JSON object
// with an event that has a type. The amount is the charge's local price, a
// decimal string.
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	var d delivery
	if err := norm.DecodeObject(name, r.Body, &d); err != nil {
		return err
	}
	if d.Event == nil || d.Event.Type == "" {
		return norm.Invalid(name, "body has no event.type")
	}
	e := d.Event
	ev.SourceEventType = e.Type
	ev.EventType = norm.Mapped(mapping, e.Type)
	norm.Occurred(ev, e.CreatedAt.Time)
	norm.SetMeta(ev.Metadata, "delivery_id", string(d.ID))
	if d.AttemptNumber != nil {
		ev.Metadata["attempt_number"] = strconv.FormatInt(*d.AttemptNumber, 10)
	}
	norm.SetMeta(ev.Metadata, "api_version", e.APIVersion)
	c := e.Data
	if c == nil {
		return nil
	}
	ev.EntityType = c.Resource
	if ev.EntityType == "" {
		ev.EntityType, _, _ = strings.Cut(e.Type, ":")
	}
	ev.EntityId = c.ID
	if c.Metadata != nil {
		ev.UserId = string(c.Metadata.CustomerID)
	}
	norm.SetMeta(ev.Metadata, "code", c.Code)
	if n := len(c.Timeline); n > 0 {
		norm.SetMeta(ev.Metadata, "status", c.Timeline[n-1].Status)
	}
	if c.Pricing == nil || c.Pricing.Local == nil || c.Pricing.Local.Amount == "" {
		return nil
	}
	m, err := money.ParseDecimal(c.Pricing.Local.Amount, c.Pricing.Local.Currency)
	if err != nil {
		return norm.Invalid(name, "pricing.local of %q: %v", e.Type, err)
	}
	ev.Amount = m
	return nil
}
