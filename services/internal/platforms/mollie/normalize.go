package mollie

import (
	"encoding/json"
	"strings"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/money"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// event is a next-gen webhook event. A "full" subscription embeds a
// snapshot of the entity under _embedded, keyed "entity" or by its
// resource type (Mollie's docs show both); a "simple" one has none.
type event struct {
	Resource  string                     `json:"resource"`
	Type      string                     `json:"type"`
	EntityID  string                     `json:"entityId"`
	CreatedAt norm.Time                  `json:"createdAt"`
	Embedded  map[string]json.RawMessage `json:"_embedded"`
}

// entity is what is read of the embedded entity.
type entity struct {
	Resource    string     `json:"resource"`
	ID          string     `json:"id"`
	ProfileID   string     `json:"profileId"`
	CustomerID  string     `json:"customerId"`
	Mode        string     `json:"mode"`
	Status      string     `json:"status"`
	Amount      *mollieAmt `json:"amount"`
	TotalAmount *mollieAmt `json:"totalAmount"`
}

// mollieAmt is Mollie's money: a decimal string and its currency.
type mollieAmt struct {
	Currency string `json:"currency"`
	Value    string `json:"value"`
}

// normalize reads a Mollie next-gen event. Required: a JSON object with a
// type. The entity is entityId; its snapshot, when embedded, gives the
// profile, customer, status and amount.
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	var e event
	if err := norm.DecodeObject(name, r.Body, &e); err != nil {
		return err
	}
	if e.Type == "" {
		return norm.Invalid(name, "body has no type")
	}
	ev.SourceEventType = e.Type
	ev.EventType = norm.Mapped(mapping, e.Type)
	ev.EntityType, _, _ = strings.Cut(e.Type, ".")
	ev.EntityId = e.EntityID
	norm.Occurred(ev, e.CreatedAt.Time)
	raw := embedded(e)
	if raw == nil {
		return nil
	}
	var d entity
	if err := norm.Unmarshal(raw, &d); err != nil {
		return norm.Invalid(name, "decode the embedded entity of %q: %v", e.Type, err)
	}
	if d.Resource != "" {
		ev.EntityType = d.Resource
	}
	if ev.EntityId == "" {
		ev.EntityId = d.ID
	}
	ev.TenantId = d.ProfileID
	ev.UserId = d.CustomerID
	norm.SetMeta(ev.Metadata, "mode", d.Mode)
	norm.SetMeta(ev.Metadata, "status", d.Status)
	amt := d.Amount
	if amt == nil {
		amt = d.TotalAmount
	}
	if amt == nil || amt.Value == "" {
		return nil
	}
	m, err := money.ParseDecimal(amt.Value, amt.Currency)
	if err != nil {
		return norm.Invalid(name, "amount of %q: %v", e.Type, err)
	}
	ev.Amount = m
	return nil
}

// embedded returns the entity's snapshot: _embedded.entity, else the one
// keyed by the event type's resource ("payment-link"), else the only
// object embedded; nil when there is none.
func embedded(e event) json.RawMessage {
	resource, _, _ := strings.Cut(e.Type, ".")
	for _, k := range []string{"entity", resource} {
		if raw := e.Embedded[k]; norm.IsObject(raw) {
			return raw
		}
	}
	keys := make([]string, 0, len(e.Embedded))
	for k, raw := range e.Embedded {
		if norm.IsObject(raw) {
			keys = append(keys, k)
		}
	}
	if len(keys) != 1 {
		return nil // none, or ambiguous
	}
	return e.Embedded[keys[0]]
}
