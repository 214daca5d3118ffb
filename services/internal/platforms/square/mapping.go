package square

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// mapping is Square's rows of the mapping from a platform's event type to
// its common meaning (Platform.Mapping). payment.* and refund.* depend on
// the object's status and order.updated / subscription.updated on a
// cancellation: the adapter decides those.
var mapping = map[string]eventv1.EventType{
	// Square: type.
	"order.created":        eventv1.EventType_EVENT_TYPE_ORDER_CREATED,
	"order.updated":        eventv1.EventType_EVENT_TYPE_ORDER_UPDATED,
	"customer.created":     eventv1.EventType_EVENT_TYPE_USER_CREATED,
	"customer.updated":     eventv1.EventType_EVENT_TYPE_USER_UPDATED,
	"subscription.created": eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_CREATED,
	"subscription.updated": eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_UPDATED,
}
