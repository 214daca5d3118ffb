package normalize

import (
	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platforms"
)

// mappingKey is a platform's own event type within that platform.
type mappingKey struct {
	platform   string
	sourceType string
}

// mapping is the one table from a platform's own event type to its common
// meaning. A type absent here is EVENT_TYPE_UNMAPPED: it still flows, with
// source_event_type kept, so adding a row later changes no stored data.
// Conditions that depend on the payload (a draft pull request, a Slack
// message subtype) are applied by the adapter after this lookup and
// documented there. Platforms moved to services/internal/platforms keep
// their rows in their own package (Platform.Mapping). Changing a row's meaning
// means bumping SchemaVersion.
var mapping = map[mappingKey]eventv1.EventType{
	// HubSpot: subscriptionType of the first item. Deals are sales
	// opportunities, not orders or payments: unmapped.

	// Square: type. payment.* and refund.* depend on the object's status
	// and order.updated / subscription.updated on a cancellation: the
	// adapter decides those.

	// Twilio: "message." + MessageStatus or SmsStatus, "call." +
	// CallStatus. An incoming message is "received".

	// SendGrid and Mailgun: email events, all unmapped.

	// Adyen: eventCode of the first item. AUTHORISATION and REFUND
	// depend on success: the adapter decides them.
}

// eventType returns the common type of a platform's source type, or
// EVENT_TYPE_UNMAPPED.
func eventType(platform, sourceType string) eventv1.EventType {
	if p, ok := platforms.Lookup(platform); ok {
		return p.EventType(sourceType)
	}
	if t, ok := mapping[mappingKey{platform, sourceType}]; ok {
		return t
	}
	return eventv1.EventType_EVENT_TYPE_UNMAPPED
}
