package gitlab

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// mapping is GitLab's rows of the mapping from a platform's event type to
// its common meaning (Platform.Mapping).
var mapping = map[string]eventv1.EventType{
	// GitLab: object_kind, plus "." + object_attributes.action when the
	// body has one; system hooks use event_name. Draft merge requests are
	// handled by the adapter.
	"push":                 eventv1.EventType_EVENT_TYPE_CODE_PUSHED,
	"tag_push":             eventv1.EventType_EVENT_TYPE_CODE_PUSHED,
	"merge_request.open":   eventv1.EventType_EVENT_TYPE_CODE_REVIEW_REQUESTED,
	"merge_request.reopen": eventv1.EventType_EVENT_TYPE_CODE_REVIEW_REQUESTED,
	"user_create":          eventv1.EventType_EVENT_TYPE_USER_CREATED,
}
