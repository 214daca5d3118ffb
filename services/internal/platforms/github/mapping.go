package github

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// mapping is GitHub's rows of the mapping from a platform's event type to
// its common meaning (Platform.Mapping). Draft pull requests are
// unmapped by normalize after this lookup.
var mapping = map[string]eventv1.EventType{
	// GitHub: x-github-event, plus "." + action when the body has one.
	"ping":                          eventv1.EventType_EVENT_TYPE_PING,
	"push":                          eventv1.EventType_EVENT_TYPE_CODE_PUSHED,
	"pull_request.opened":           eventv1.EventType_EVENT_TYPE_CODE_REVIEW_REQUESTED,
	"pull_request.reopened":         eventv1.EventType_EVENT_TYPE_CODE_REVIEW_REQUESTED,
	"pull_request.review_requested": eventv1.EventType_EVENT_TYPE_CODE_REVIEW_REQUESTED,
	"pull_request.ready_for_review": eventv1.EventType_EVENT_TYPE_CODE_REVIEW_REQUESTED,
}
