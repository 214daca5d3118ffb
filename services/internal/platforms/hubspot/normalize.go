package hubspot

import (
	"strings"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// event is one item of a HubSpot webhook batch (Webhooks API v3):
// {"eventId": 1, "subscriptionId": ..., "portalId": ..., "appId": ...,
// "occurredAt": <ms>, "subscriptionType": "contact.creation",
// "attemptNumber": 0, "objectId": 123, ...}. HubSpot sends up to 100 per
// request; ids are integers that may exceed 2^53.
type event struct {
	EventID          norm.ID   `json:"eventId"`
	SubscriptionID   norm.ID   `json:"subscriptionId"`
	PortalID         norm.ID   `json:"portalId"`
	AppID            norm.ID   `json:"appId"`
	OccurredAt       norm.Time `json:"occurredAt"`
	SubscriptionType string    `json:"subscriptionType"`
	AttemptNumber    norm.ID   `json:"attemptNumber"`
	ObjectID         norm.ID   `json:"objectId"`
	ObjectTypeID     string    `json:"objectTypeId"`
	ChangeSource     string    `json:"changeSource"`
	ChangeFlag       string    `json:"changeFlag"`
	PropertyName     string    `json:"propertyName"`
}

// normalize reads a HubSpot webhook batch. Required: a non-empty
// JSON array of objects whose first item has subscriptionType. Only the
// first item becomes the event (see batchMeta; NormalizeAll reads them
// all).
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	items, err := norm.DecodeBatch[event](name, r.Body)
	if err != nil {
		return err
	}
	if err := item(items[0], 0, ev); err != nil {
		return err
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = string(it.EventID)
	}
	norm.BatchMeta(ev, ids)
	return nil
}

// item fills ev from item i of a batch.
func item(e event, i int, ev *eventv1.NormalizedEvent) error {
	if e.SubscriptionType == "" {
		return norm.Invalid("hubspot", "item %d has no subscriptionType", i)
	}
	ev.SourceEventType = e.SubscriptionType
	ev.EventType = norm.Mapped(mapping, e.SubscriptionType)
	object, _, _ := strings.Cut(e.SubscriptionType, ".")
	ev.EntityType = object
	ev.EntityId = string(e.ObjectID)
	if object == "contact" {
		// A contact is the user its own events are about.
		ev.UserId = string(e.ObjectID)
	}
	ev.TenantId = string(e.PortalID)
	norm.Occurred(ev, e.OccurredAt.Time)
	norm.SetMeta(ev.Metadata, "event_id", string(e.EventID))
	norm.SetMeta(ev.Metadata, "subscription_id", string(e.SubscriptionID))
	norm.SetMeta(ev.Metadata, "app_id", string(e.AppID))
	norm.SetMeta(ev.Metadata, "attempt_number", string(e.AttemptNumber))
	norm.SetMeta(ev.Metadata, "object_type_id", e.ObjectTypeID)
	norm.SetMeta(ev.Metadata, "change_source", e.ChangeSource)
	norm.SetMeta(ev.Metadata, "change_flag", e.ChangeFlag)
	norm.SetMeta(ev.Metadata, "property_name", e.PropertyName)
	return nil
}
