package normalize

import (
	"strings"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
)

// hubspotEvent is one item of a HubSpot webhook batch (Webhooks API v3):
// {"eventId": 1, "subscriptionId": ..., "portalId": ..., "appId": ...,
// "occurredAt": <ms>, "subscriptionType": "contact.creation",
// "attemptNumber": 0, "objectId": 123, ...}. HubSpot sends up to 100 per
// request; ids are integers that may exceed 2^53.
type hubspotEvent struct {
	EventID          jsonID   `json:"eventId"`
	SubscriptionID   jsonID   `json:"subscriptionId"`
	PortalID         jsonID   `json:"portalId"`
	AppID            jsonID   `json:"appId"`
	OccurredAt       jsonTime `json:"occurredAt"`
	SubscriptionType string   `json:"subscriptionType"`
	AttemptNumber    jsonID   `json:"attemptNumber"`
	ObjectID         jsonID   `json:"objectId"`
	ObjectTypeID     string   `json:"objectTypeId"`
	ChangeSource     string   `json:"changeSource"`
	ChangeFlag       string   `json:"changeFlag"`
	PropertyName     string   `json:"propertyName"`
}

// normalizeHubSpot reads a HubSpot webhook batch. Required: a non-empty
// JSON array of objects whose first item has subscriptionType. Only the
// first item becomes the event (see batchMeta; NormalizeAll reads them
// all).
func normalizeHubSpot(r request, ev *eventv1.NormalizedEvent) error {
	items, err := decodeBatch[hubspotEvent]("hubspot", r.Body)
	if err != nil {
		return err
	}
	if err := hubspotItem(items[0], 0, ev); err != nil {
		return err
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = string(it.EventID)
	}
	batchMeta(ev, ids)
	return nil
}

// hubspotItem fills ev from item i of a batch.
func hubspotItem(e hubspotEvent, i int, ev *eventv1.NormalizedEvent) error {
	if e.SubscriptionType == "" {
		return invalid("hubspot", "item %d has no subscriptionType", i)
	}
	ev.SourceEventType = e.SubscriptionType
	ev.EventType = eventType("hubspot", e.SubscriptionType)
	object, _, _ := strings.Cut(e.SubscriptionType, ".")
	ev.EntityType = object
	ev.EntityId = string(e.ObjectID)
	if object == "contact" {
		// A contact is the user its own events are about.
		ev.UserId = string(e.ObjectID)
	}
	ev.TenantId = string(e.PortalID)
	occurred(ev, e.OccurredAt.Time)
	setMeta(ev.Metadata, "event_id", string(e.EventID))
	setMeta(ev.Metadata, "subscription_id", string(e.SubscriptionID))
	setMeta(ev.Metadata, "app_id", string(e.AppID))
	setMeta(ev.Metadata, "attempt_number", string(e.AttemptNumber))
	setMeta(ev.Metadata, "object_type_id", e.ObjectTypeID)
	setMeta(ev.Metadata, "change_source", e.ChangeSource)
	setMeta(ev.Metadata, "change_flag", e.ChangeFlag)
	setMeta(ev.Metadata, "property_name", e.PropertyName)
	return nil
}
