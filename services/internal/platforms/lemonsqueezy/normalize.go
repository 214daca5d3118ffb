package lemonsqueezy

import (
	"strconv"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/money"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// event is a Lemon Squeezy webhook: meta, and the JSON:API resource.
type event struct {
	Meta struct {
		EventName string `json:"event_name"`
		TestMode  *bool  `json:"test_mode"`
		WebhookID string `json:"webhook_id"`
	} `json:"meta"`
	Data *struct {
		Type       string     `json:"type"`
		ID         norm.ID    `json:"id"`
		Attributes attributes `json:"attributes"`
	} `json:"data"`
}

// attributes are what is read of an order, subscription or
// subscription-invoice. Amounts are integers of the currency's smallest
// unit (cents).
type attributes struct {
	StoreID        norm.ID   `json:"store_id"`
	CustomerID     norm.ID   `json:"customer_id"`
	OrderID        norm.ID   `json:"order_id"`
	SubscriptionID norm.ID   `json:"subscription_id"`
	Status         string    `json:"status"`
	Currency       string    `json:"currency"`
	Total          *int64    `json:"total"`
	CreatedAt      norm.Time `json:"created_at"`
	UpdatedAt      norm.Time `json:"updated_at"`
}

// normalize reads a Lemon Squeezy webhook. Required: a JSON object whose
// meta.event_name (or, failing it, the X-Event-Name header) names the
// event.
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	var e event
	if err := norm.DecodeObject(name, r.Body, &e); err != nil {
		return err
	}
	typ := e.Meta.EventName
	if typ == "" {
		typ = r.Header("x-event-name")
	}
	if typ == "" {
		return norm.Invalid(name, "no meta.event_name and no X-Event-Name header")
	}
	ev.SourceEventType = typ
	ev.EventType = norm.Mapped(mapping, typ)
	if e.Meta.TestMode != nil {
		ev.Metadata["test_mode"] = strconv.FormatBool(*e.Meta.TestMode)
	}
	norm.SetMeta(ev.Metadata, "webhook_id", e.Meta.WebhookID)
	if e.Data == nil {
		return nil
	}
	a := e.Data.Attributes
	ev.EntityType = e.Data.Type
	ev.EntityId = string(e.Data.ID)
	ev.UserId = string(a.CustomerID)
	ev.TenantId = string(a.StoreID)
	norm.Occurred(ev, norm.FirstTime(a.UpdatedAt.Time, a.CreatedAt.Time))
	norm.SetMeta(ev.Metadata, "status", a.Status)
	norm.SetMeta(ev.Metadata, "order_id", string(a.OrderID))
	norm.SetMeta(ev.Metadata, "subscription_id", string(a.SubscriptionID))
	if a.Total == nil || a.Currency == "" {
		return nil
	}
	m, err := money.FromMinorUnits(name, *a.Total, a.Currency)
	if err != nil {
		return norm.Invalid(name, "total of %q: %v", typ, err)
	}
	ev.Amount = m
	return nil
}
