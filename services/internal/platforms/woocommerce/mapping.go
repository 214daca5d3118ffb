package woocommerce

import eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"

// mapping is WooCommerce's topics with a common meaning. An order.updated
// whose order is now cancelled is ORDER_CANCELLED (normalize decides).
// Whether an order is paid depends on the payment method and the shop's
// workflow, so no topic maps to PAYMENT_COMPLETED.
var mapping = map[string]eventv1.EventType{
	"order.created":    eventv1.EventType_EVENT_TYPE_ORDER_CREATED,
	"order.updated":    eventv1.EventType_EVENT_TYPE_ORDER_UPDATED,
	"customer.created": eventv1.EventType_EVENT_TYPE_USER_CREATED,
	"customer.updated": eventv1.EventType_EVENT_TYPE_USER_UPDATED,
}
