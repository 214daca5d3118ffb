package hubspot

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// mapping is HubSpot's rows of the mapping from a platform's event type to
// its common meaning (Platform.Mapping).
var mapping = map[string]eventv1.EventType{
	// HubSpot: subscriptionType of the first item. Deals are sales
	// opportunities, not orders or payments: unmapped.
	"contact.creation":       eventv1.EventType_EVENT_TYPE_USER_CREATED,
	"contact.propertyChange": eventv1.EventType_EVENT_TYPE_USER_UPDATED,
}
