package bitbucket

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// mapping is Bitbucket's rows of the mapping from a platform's event type
// to its common meaning (Platform.Mapping).
var mapping = map[string]eventv1.EventType{
	// Bitbucket Cloud: the x-event-key header. Draft pull requests are
	// handled by the adapter.
	"repo:push":           eventv1.EventType_EVENT_TYPE_CODE_PUSHED,
	"pullrequest:created": eventv1.EventType_EVENT_TYPE_CODE_REVIEW_REQUESTED,
}
