package jira

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// mapping is Jira's rows of the mapping from a platform's event type (the
// body's webhookEvent) to its common meaning (Platform.Mapping): the
// site's users. Issues, comments, projects, sprints and versions have no
// common type (an issue is not an order, a comment is not a chat
// message), so they pass through as EVENT_TYPE_UNMAPPED.
var mapping = map[string]eventv1.EventType{
	"user_created": eventv1.EventType_EVENT_TYPE_USER_CREATED,
	"user_updated": eventv1.EventType_EVENT_TYPE_USER_UPDATED,
}
