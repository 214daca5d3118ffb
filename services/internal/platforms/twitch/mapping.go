package twitch

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// mapping is Twitch EventSub's rows of the mapping from a platform's event
// type to its common meaning (Platform.Mapping): the subscription type, or
// the message type for the verification handshake and revocations.
var mapping = map[string]eventv1.EventType{
	"webhook_callback_verification": eventv1.EventType_EVENT_TYPE_PING,
	"channel.subscribe":             eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_CREATED,
	"channel.subscription.end":      eventv1.EventType_EVENT_TYPE_SUBSCRIPTION_CANCELLED,
	"channel.chat.message":          eventv1.EventType_EVENT_TYPE_MESSAGE_POSTED,
	"user.update":                   eventv1.EventType_EVENT_TYPE_USER_UPDATED,
}
