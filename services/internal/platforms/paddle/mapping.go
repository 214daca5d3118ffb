package paddle

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// mapping is Paddle's rows of the mapping from a platform's event type to
// its common meaning (Platform.Mapping). Refunds (approved refund
// adjustments) are decided by normalize.
var mapping = map[string]eventv1.EventType{
	// Paddle Billing: event_type. transaction.paid (payment captured) and
	// transaction.completed (fully processed) both follow one payment, like
	// Stripe's payment_intent.succeeded and charge.succeeded. Refunds are
	// approved refund adjustments, decided by the adapter.
	"transaction.paid":           eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
	"transaction.completed":      eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
	"transaction.payment_failed": eventv1.EventType_EVENT_TYPE_PAYMENT_FAILED,
	"customer.created":           eventv1.EventType_EVENT_TYPE_USER_CREATED,
	"customer.updated":           eventv1.EventType_EVENT_TYPE_USER_UPDATED,
	"subscription.created":       eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_CREATED,
	"subscription.updated":       eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_UPDATED,
	"subscription.canceled":      eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_CANCELLED,
}
