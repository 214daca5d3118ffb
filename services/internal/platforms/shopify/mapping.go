package shopify

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// mapping is Shopify's rows of the mapping from a platform's event type
// to its common meaning (Platform.Mapping).
var mapping = map[string]eventv1.EventType{
	// Shopify: the x-shopify-topic header.
	"orders/create":    eventv1.EventType_EVENT_TYPE_ORDER_CREATED,
	"orders/updated":   eventv1.EventType_EVENT_TYPE_ORDER_UPDATED,
	"orders/cancelled": eventv1.EventType_EVENT_TYPE_ORDER_CANCELLED,
	"orders/paid":      eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
	"refunds/create":   eventv1.EventType_EVENT_TYPE_PAYMENT_REFUNDED,
	"customers/create": eventv1.EventType_EVENT_TYPE_USER_CREATED,
	"customers/update": eventv1.EventType_EVENT_TYPE_USER_UPDATED,
}
