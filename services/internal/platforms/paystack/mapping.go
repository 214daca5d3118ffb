package paystack

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// mapping is Paystack's event types with a common meaning. A subscription
// that will not renew (subscription.not_renew) is still active: an update;
// subscription.disable is its end.
var mapping = map[string]eventv1.EventType{
	"charge.success":         eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
	"invoice.payment_failed": eventv1.EventType_EVENT_TYPE_PAYMENT_FAILED,
	"refund.processed":       eventv1.EventType_EVENT_TYPE_PAYMENT_REFUNDED,
	"subscription.create":    eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_CREATED,
	"subscription.not_renew": eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_UPDATED,
	"subscription.disable":   eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_CANCELLED,
}
