package workos

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// mapping is WorkOS's rows of the mapping from a platform's event type to
// its common meaning (Platform.Mapping): the users of User Management
// (user.*) and the users a customer's directory provisions
// (dsync.user.*). Organizations, connections, groups, sessions and
// authentication events stay EVENT_TYPE_UNMAPPED; a deleted user is
// neither created nor updated, so it stays unmapped too.
var mapping = map[string]eventv1.EventType{
	"user.created":       eventv1.EventType_EVENT_TYPE_USER_CREATED,
	"user.updated":       eventv1.EventType_EVENT_TYPE_USER_UPDATED,
	"dsync.user.created": eventv1.EventType_EVENT_TYPE_USER_CREATED,
	"dsync.user.updated": eventv1.EventType_EVENT_TYPE_USER_UPDATED,
}
