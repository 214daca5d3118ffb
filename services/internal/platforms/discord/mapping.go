package discord

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// mapping is Discord's rows of the mapping from a platform's event type to
// its common meaning (Platform.Mapping): the interaction type's name, or
// the webhook event's type. Only the PING handshake maps.
var mapping = map[string]eventv1.EventType{
	"PING": eventv1.EventType_EVENT_TYPE_PING,
}
