package pagerduty

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// mapping is PagerDuty's rows of the mapping from a platform's event type
// to its common meaning (Platform.Mapping). Only the test event maps:
// incidents, notes, responders and services have no common type (an
// incident is not an order, a note is not a chat message), so they pass
// through as EVENT_TYPE_UNMAPPED with event.event_type kept.
var mapping = map[string]eventv1.EventType{
	// "Send test event" in PagerDuty's UI.
	"pagey.ping": eventv1.EventType_EVENT_TYPE_PING,
}
