package coinbase

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// mapping is Coinbase Commerce's event types with a common meaning. A
// charge is paid when confirmed, or resolved by the merchant after an
// under- or overpayment; charge:pending (seen on chain, not yet confirmed)
// and charge:delayed (paid after expiry) are not yet money received.
var mapping = map[string]eventv1.EventType{
	"charge:confirmed": eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
	"charge:resolved":  eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
	"charge:failed":    eventv1.EventType_EVENT_TYPE_PAYMENT_FAILED,
}
