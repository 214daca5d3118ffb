package lemonsqueezy

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// mapping is Lemon Squeezy's event types with a common meaning. A
// cancelled subscription stays active until its period ends
// (subscription_cancelled stays unmapped); subscription_expired is its end.
// A renewal's money is subscription_payment_success; the first payment of a
// subscription comes as order_created.
var mapping = map[string]eventv1.EventType{
	"order_created":                eventv1.EventType_EVENT_TYPE_ORDER_CREATED,
	"order_refunded":               eventv1.EventType_EVENT_TYPE_PAYMENT_REFUNDED,
	"subscription_created":         eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_CREATED,
	"subscription_updated":         eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_UPDATED,
	"subscription_expired":         eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_CANCELLED,
	"subscription_payment_success": eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
	"subscription_payment_failed":  eventv1.EventType_EVENT_TYPE_PAYMENT_FAILED,
}
