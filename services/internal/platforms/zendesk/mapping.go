package zendesk

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// mapping is Zendesk's rows of the mapping from a platform's event type
// to its common meaning (Platform.Mapping).
var mapping = map[string]eventv1.EventType{
	// Zendesk: the event type. user.*_changed is USER_UPDATED by the
	// adapter.
	"zen:event-type:user.created": eventv1.EventType_EVENT_TYPE_USER_CREATED,
}
