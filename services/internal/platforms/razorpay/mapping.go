package razorpay

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// mapping is Razorpay's event types with a common meaning. A captured
// payment also sends order.paid when it belongs to an order: both are
// PAYMENT_COMPLETED, as Stripe's payment_intent.succeeded and
// charge.succeeded are; a consumer subscribes to the one it wants.
// payment.authorized is not money received (it may never be captured);
// refund.created is a refund asked for, refund.processed one done.
var mapping = map[string]eventv1.EventType{
	"payment.captured":       eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
	"order.paid":             eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
	"payment.failed":         eventv1.EventType_EVENT_TYPE_PAYMENT_FAILED,
	"refund.processed":       eventv1.EventType_EVENT_TYPE_PAYMENT_REFUNDED,
	"subscription.activated": eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_CREATED,
	"subscription.updated":   eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_UPDATED,
	"subscription.cancelled": eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_CANCELLED,
	"subscription.completed": eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_CANCELLED,
}
