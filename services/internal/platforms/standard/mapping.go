package standard

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// mapping is the generic Standard Webhooks rows of the mapping from a
// platform's event type to its common meaning (Platform.Mapping): the
// body's type. Senders name types freely, so only the obvious
// resource.verb names are mapped. Svix delivers its customers' own events
// in this format and reads its types with these rows.
var mapping = map[string]eventv1.EventType{
	"user.created":           eventv1.EventType_EVENT_TYPE_USER_CREATED,
	"user.updated":           eventv1.EventType_EVENT_TYPE_USER_UPDATED,
	"customer.created":       eventv1.EventType_EVENT_TYPE_USER_CREATED,
	"customer.updated":       eventv1.EventType_EVENT_TYPE_USER_UPDATED,
	"payment.succeeded":      eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
	"payment.completed":      eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
	"payment.failed":         eventv1.EventType_EVENT_TYPE_PAYMENT_FAILED,
	"payment.refunded":       eventv1.EventType_EVENT_TYPE_PAYMENT_REFUNDED,
	"order.created":          eventv1.EventType_EVENT_TYPE_ORDER_CREATED,
	"order.updated":          eventv1.EventType_EVENT_TYPE_ORDER_UPDATED,
	"order.cancelled":        eventv1.EventType_EVENT_TYPE_ORDER_CANCELLED,
	"subscription.created":   eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_CREATED,
	"subscription.updated":   eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_UPDATED,
	"subscription.cancelled": eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_CANCELLED,
	"subscription.canceled":  eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_CANCELLED,
}
