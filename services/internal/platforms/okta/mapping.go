package okta

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// mapping is Okta's rows of the mapping from a platform's event type (a
// System Log eventType) to its common meaning (Platform.Mapping): a user's
// creation and the changes to its profile. Sessions, authentications,
// group and application events stay EVENT_TYPE_UNMAPPED.
var mapping = map[string]eventv1.EventType{
	"user.lifecycle.create":       eventv1.EventType_EVENT_TYPE_USER_CREATED,
	"user.account.update_profile": eventv1.EventType_EVENT_TYPE_USER_UPDATED,
}
