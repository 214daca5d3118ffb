package twilio

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// mapping is Twilio's rows of the mapping from a platform's event type to
// its common meaning (Platform.Mapping).
var mapping = map[string]eventv1.EventType{
	// Twilio: "message." + MessageStatus or SmsStatus, "call." +
	// CallStatus. An incoming message is "received".
	"message.received": eventv1.EventType_EVENT_TYPE_MESSAGE_POSTED,
}
