package normalize

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// mappingKey is a platform's own event type within that platform.
type mappingKey struct {
	platform   string
	sourceType string
}

// mapping is the one table from a platform's own event type to its common
// meaning. A type absent here is EVENT_TYPE_UNMAPPED: it still flows, with
// source_event_type kept, so adding a row later changes no stored data.
// Conditions that depend on the payload (a Stripe checkout that is not yet
// paid, a draft pull request, a Slack message subtype) are applied by the
// adapter after this lookup and documented there. Changing a row's meaning
// means bumping SchemaVersion.
var mapping = map[mappingKey]eventv1.EventType{
	// Stripe. One payment can produce several PAYMENT_COMPLETED events
	// (payment_intent.succeeded and charge.succeeded, invoice.paid and
	// invoice.payment_succeeded): a consumer subscribes to the ones it wants.
	// Refunds: only charge.refunded counts, so one refund is one
	// PAYMENT_REFUNDED; refund.created/refund.updated/charge.refund.updated
	// describe the same money and stay unmapped.
	{"stripe", "payment_intent.succeeded"}:                 eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
	{"stripe", "charge.succeeded"}:                         eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
	{"stripe", "checkout.session.completed"}:               eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
	{"stripe", "checkout.session.async_payment_succeeded"}: eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
	{"stripe", "invoice.paid"}:                             eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
	{"stripe", "invoice.payment_succeeded"}:                eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
	{"stripe", "payment_intent.payment_failed"}:            eventv1.EventType_EVENT_TYPE_PAYMENT_FAILED,
	{"stripe", "charge.failed"}:                            eventv1.EventType_EVENT_TYPE_PAYMENT_FAILED,
	{"stripe", "invoice.payment_failed"}:                   eventv1.EventType_EVENT_TYPE_PAYMENT_FAILED,
	{"stripe", "checkout.session.async_payment_failed"}:    eventv1.EventType_EVENT_TYPE_PAYMENT_FAILED,
	{"stripe", "charge.refunded"}:                          eventv1.EventType_EVENT_TYPE_PAYMENT_REFUNDED,
	{"stripe", "customer.created"}:                         eventv1.EventType_EVENT_TYPE_USER_CREATED,
	{"stripe", "customer.updated"}:                         eventv1.EventType_EVENT_TYPE_USER_UPDATED,
	{"stripe", "customer.subscription.created"}:            eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_CREATED,
	{"stripe", "customer.subscription.updated"}:            eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_UPDATED,
	{"stripe", "customer.subscription.deleted"}:            eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_CANCELLED,

	// GitHub: x-github-event, plus "." + action when the body has one.
	{"github", "ping"}:                          eventv1.EventType_EVENT_TYPE_PING,
	{"github", "push"}:                          eventv1.EventType_EVENT_TYPE_CODE_PUSHED,
	{"github", "pull_request.opened"}:           eventv1.EventType_EVENT_TYPE_CODE_REVIEW_REQUESTED,
	{"github", "pull_request.reopened"}:         eventv1.EventType_EVENT_TYPE_CODE_REVIEW_REQUESTED,
	{"github", "pull_request.review_requested"}: eventv1.EventType_EVENT_TYPE_CODE_REVIEW_REQUESTED,
	{"github", "pull_request.ready_for_review"}: eventv1.EventType_EVENT_TYPE_CODE_REVIEW_REQUESTED,

	// Shopify: the x-shopify-topic header.
	{"shopify", "orders/create"}:    eventv1.EventType_EVENT_TYPE_ORDER_CREATED,
	{"shopify", "orders/updated"}:   eventv1.EventType_EVENT_TYPE_ORDER_UPDATED,
	{"shopify", "orders/cancelled"}: eventv1.EventType_EVENT_TYPE_ORDER_CANCELLED,
	{"shopify", "orders/paid"}:      eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
	{"shopify", "refunds/create"}:   eventv1.EventType_EVENT_TYPE_PAYMENT_REFUNDED,
	{"shopify", "customers/create"}: eventv1.EventType_EVENT_TYPE_USER_CREATED,
	{"shopify", "customers/update"}: eventv1.EventType_EVENT_TYPE_USER_UPDATED,

	// Slack: url_verification, or event.type inside an event_callback.
	{"slack", "url_verification"}: eventv1.EventType_EVENT_TYPE_PING,
	{"slack", "message"}:          eventv1.EventType_EVENT_TYPE_MESSAGE_POSTED,
	{"slack", "app_mention"}:      eventv1.EventType_EVENT_TYPE_MESSAGE_POSTED,

	// Standard Webhooks: the body's type. Senders name types freely, so
	// only the obvious resource.verb names are mapped.
	{"standard", "user.created"}:           eventv1.EventType_EVENT_TYPE_USER_CREATED,
	{"standard", "user.updated"}:           eventv1.EventType_EVENT_TYPE_USER_UPDATED,
	{"standard", "customer.created"}:       eventv1.EventType_EVENT_TYPE_USER_CREATED,
	{"standard", "customer.updated"}:       eventv1.EventType_EVENT_TYPE_USER_UPDATED,
	{"standard", "payment.succeeded"}:      eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
	{"standard", "payment.completed"}:      eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
	{"standard", "payment.failed"}:         eventv1.EventType_EVENT_TYPE_PAYMENT_FAILED,
	{"standard", "payment.refunded"}:       eventv1.EventType_EVENT_TYPE_PAYMENT_REFUNDED,
	{"standard", "order.created"}:          eventv1.EventType_EVENT_TYPE_ORDER_CREATED,
	{"standard", "order.updated"}:          eventv1.EventType_EVENT_TYPE_ORDER_UPDATED,
	{"standard", "order.cancelled"}:        eventv1.EventType_EVENT_TYPE_ORDER_CANCELLED,
	{"standard", "subscription.created"}:   eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_CREATED,
	{"standard", "subscription.updated"}:   eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_UPDATED,
	{"standard", "subscription.cancelled"}: eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_CANCELLED,
	{"standard", "subscription.canceled"}:  eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_CANCELLED,
}

// eventType returns the common type of a platform's source type, or
// EVENT_TYPE_UNMAPPED.
func eventType(platform, sourceType string) eventv1.EventType {
	if t, ok := mapping[mappingKey{platform, sourceType}]; ok {
		return t
	}
	return eventv1.EventType_EVENT_TYPE_UNMAPPED
}
