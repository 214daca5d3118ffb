package mollie

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// mapping is Mollie's next-gen event types with a common meaning: money
// received through a payment link or for a sales invoice.
var mapping = map[string]eventv1.EventType{
	"payment-link.paid":  eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
	"sales-invoice.paid": eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
}
