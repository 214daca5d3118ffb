package stripe

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// mapping is Stripe's rows of the mapping from a platform's event type to
// its common meaning (Platform.Mapping). Conditions that depend on the
// payload (a checkout that is not yet paid) are applied by normalize after
// this lookup.
var mapping = map[string]eventv1.EventType{
	// Stripe. One payment can produce several PAYMENT_COMPLETED events
	// (payment_intent.succeeded and charge.succeeded, invoice.paid and
	// invoice.payment_succeeded): a consumer subscribes to the ones it wants.
	// Refunds: only charge.refunded counts, so one refund is one
	// PAYMENT_REFUNDED; refund.created/refund.updated/charge.refund.updated
	// describe the same money and stay unmapped.
	"payment_intent.succeeded":                 eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
	"charge.succeeded":                         eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
	"checkout.session.completed":               eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
	"checkout.session.async_payment_succeeded": eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
	"invoice.paid":                             eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
	"invoice.payment_succeeded":                eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
	"payment_intent.payment_failed":            eventv1.EventType_EVENT_TYPE_PAYMENT_FAILED,
	"charge.failed":                            eventv1.EventType_EVENT_TYPE_PAYMENT_FAILED,
	"invoice.payment_failed":                   eventv1.EventType_EVENT_TYPE_PAYMENT_FAILED,
	"checkout.session.async_payment_failed":    eventv1.EventType_EVENT_TYPE_PAYMENT_FAILED,
	"charge.refunded":                          eventv1.EventType_EVENT_TYPE_PAYMENT_REFUNDED,
	"customer.created":                         eventv1.EventType_EVENT_TYPE_USER_CREATED,
	"customer.updated":                         eventv1.EventType_EVENT_TYPE_USER_UPDATED,
	"customer.subscription.created":            eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_CREATED,
	"customer.subscription.updated":            eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_UPDATED,
	"customer.subscription.deleted":            eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_CANCELLED,
}
