package zoom

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// mapping is Zoom's rows of the mapping from a platform's event type to
// its common meaning (Platform.Mapping). Meetings, webinars, recordings
// and phone calls have no common type and pass through.
var mapping = map[string]eventv1.EventType{
	// The handshake, when it reaches the normalizer (the edge answers it
	// and records nothing).
	urlValidation:  eventv1.EventType_EVENT_TYPE_PING,
	"user.created": eventv1.EventType_EVENT_TYPE_USER_CREATED,
	"user.updated": eventv1.EventType_EVENT_TYPE_USER_UPDATED,
	// Team Chat: the current events and the older chat_message.sent.
	"team_chat.channel_message_posted": eventv1.EventType_EVENT_TYPE_MESSAGE_POSTED,
	"team_chat.dm_message_posted":      eventv1.EventType_EVENT_TYPE_MESSAGE_POSTED,
	"chat_message.sent":                eventv1.EventType_EVENT_TYPE_MESSAGE_POSTED,
}
