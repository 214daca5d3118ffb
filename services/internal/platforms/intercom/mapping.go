package intercom

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// mapping is Intercom's rows of the mapping from a platform's event type
// to its common meaning (Platform.Mapping).
var mapping = map[string]eventv1.EventType{
	// Intercom: topic. Users and user-role contacts; leads (anonymous
	// visitors) stay unmapped.
	"user.created":         eventv1.EventType_EVENT_TYPE_USER_CREATED,
	"contact.user.created": eventv1.EventType_EVENT_TYPE_USER_CREATED,
	"contact.user.updated": eventv1.EventType_EVENT_TYPE_USER_UPDATED,
}
