package slack

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// mapping is Slack's rows of the mapping from a platform's event type to
// its common meaning (Platform.Mapping). A message subtype that is not a
// new message is unmapped by normalize after this lookup.
var mapping = map[string]eventv1.EventType{
	// Slack: url_verification, or event.type inside an event_callback.
	"url_verification": eventv1.EventType_EVENT_TYPE_PING,
	"message":          eventv1.EventType_EVENT_TYPE_MESSAGE_POSTED,
	"app_mention":      eventv1.EventType_EVENT_TYPE_MESSAGE_POSTED,
}
