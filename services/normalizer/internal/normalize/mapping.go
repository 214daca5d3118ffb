package normalize

import (
	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platforms"
)

// mappingKey is a platform's own event type within that platform.
type mappingKey struct {
	platform   string
	sourceType string
}

// mapping is the one table from a platform's own event type to its common
// meaning. A type absent here is EVENT_TYPE_UNMAPPED: it still flows, with
// source_event_type kept, so adding a row later changes no stored data.
// Conditions that depend on the payload (a draft pull request, a Slack
// message subtype) are applied by the adapter after this lookup and
// documented there. Platforms moved to services/internal/platforms keep
// their rows in their own package (Platform.Mapping). Changing a row's meaning
// means bumping SchemaVersion.
var mapping = map[mappingKey]eventv1.EventType{
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

	// Clerk (Standard Webhooks): its users. Sessions, organizations and
	// the rest stay unmapped.
	{"clerk", "user.created"}: eventv1.EventType_EVENT_TYPE_USER_CREATED,
	{"clerk", "user.updated"}: eventv1.EventType_EVENT_TYPE_USER_UPDATED,
	// Resend (Standard Webhooks): email.* and contact.* (mailing-list
	// contacts, not users) are all unmapped. Svix is a transport: its
	// senders' types are read with the "standard" rows (mappingAlias).

	// Twitch EventSub: the subscription type, or the message type for
	// the verification handshake and revocations.
	{"twitch", "webhook_callback_verification"}: eventv1.EventType_EVENT_TYPE_PING,
	{"twitch", "channel.subscribe"}:             eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_CREATED,
	{"twitch", "channel.subscription.end"}:      eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_CANCELLED,
	{"twitch", "channel.chat.message"}:          eventv1.EventType_EVENT_TYPE_MESSAGE_POSTED,
	{"twitch", "user.update"}:                   eventv1.EventType_EVENT_TYPE_USER_UPDATED,

	// Discord: the interaction type's name, or the webhook event's type.
	{"discord", "PING"}: eventv1.EventType_EVENT_TYPE_PING,
}

// mappingAlias names platforms whose types are read with another
// platform's rows: Svix delivers its customers' own events in the
// Standard Webhooks format, so the generic resource.verb rows apply.
var mappingAlias = map[string]string{"svix": "standard"}

// eventType returns the common type of a platform's source type, or
// EVENT_TYPE_UNMAPPED.
func eventType(platform, sourceType string) eventv1.EventType {
	if alias, ok := mappingAlias[platform]; ok {
		platform = alias
	}
	if p, ok := platforms.Lookup(platform); ok {
		return p.EventType(sourceType)
	}
	if t, ok := mapping[mappingKey{platform, sourceType}]; ok {
		return t
	}
	return eventv1.EventType_EVENT_TYPE_UNMAPPED
}
