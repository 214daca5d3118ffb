package paypal

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// mapping is PayPal's event types with a common meaning: captures (Orders
// v2) and sales (Payments v1), and billing subscriptions. A subscription's
// end is BILLING.SUBSCRIPTION.CANCELLED, or EXPIRED when it ran its
// course.
var mapping = map[string]eventv1.EventType{
	"PAYMENT.CAPTURE.COMPLETED":      eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
	"PAYMENT.SALE.COMPLETED":         eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
	"PAYMENT.CAPTURE.DENIED":         eventv1.EventType_EVENT_TYPE_PAYMENT_FAILED,
	"PAYMENT.CAPTURE.REFUNDED":       eventv1.EventType_EVENT_TYPE_PAYMENT_REFUNDED,
	"BILLING.SUBSCRIPTION.CREATED":   eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_CREATED,
	"BILLING.SUBSCRIPTION.UPDATED":   eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_UPDATED,
	"BILLING.SUBSCRIPTION.CANCELLED": eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_CANCELLED,
	"BILLING.SUBSCRIPTION.EXPIRED":   eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_CANCELLED,
}
