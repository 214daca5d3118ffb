package segment

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// mapping is Segment's rows of the mapping from a platform's event type to
// its common meaning (Platform.Mapping). The source type of a track call
// is "track:" and its event name, of the other calls their type. Mapped:
// identify (a user's traits recorded: a change to the user) and the
// events of Segment's semantic specs that name a common meaning ("Signed
// Up" of the B2B SaaS spec; the E-commerce spec's order events). Custom
// track events, page, screen, group and alias stay EVENT_TYPE_UNMAPPED.
var mapping = map[string]eventv1.EventType{
	"identify":              eventv1.EventType_EVENT_TYPE_USER_UPDATED,
	"track:Signed Up":       eventv1.EventType_EVENT_TYPE_USER_CREATED,
	"track:Order Completed": eventv1.EventType_EVENT_TYPE_ORDER_CREATED,
	"track:Order Updated":   eventv1.EventType_EVENT_TYPE_ORDER_UPDATED,
	"track:Order Cancelled": eventv1.EventType_EVENT_TYPE_ORDER_CANCELLED,
	"track:Order Refunded":  eventv1.EventType_EVENT_TYPE_PAYMENT_REFUNDED,
}
