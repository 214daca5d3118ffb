package woocommerce

import (
	"strings"
	"time"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/money"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// resource is what is read of the REST API resource (an order, customer,
// product, coupon) a delivery carries; deleted resources carry only id.
type resource struct {
	ID              norm.ID `json:"id"`
	Status          string  `json:"status"`
	Number          string  `json:"number"`
	CustomerID      norm.ID `json:"customer_id"`
	Currency        string  `json:"currency"`
	Total           string  `json:"total"`
	PaymentMethod   string  `json:"payment_method"`
	DateCreatedGMT  string  `json:"date_created_gmt"`
	DateModifiedGMT string  `json:"date_modified_gmt"`
}

// gmtLayout is the REST API's *_gmt dates: UTC without a zone.
const gmtLayout = "2006-01-02T15:04:05"

// normalize reads a WooCommerce delivery. Required: the X-WC-Webhook-Topic
// header and a JSON object body. The amount of an order is its total, a
// decimal string in the order's currency.
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	topic := r.Header("x-wc-webhook-topic")
	if topic == "" {
		return norm.Invalid(name, "no X-WC-Webhook-Topic header")
	}
	var d resource
	if err := norm.DecodeObject(name, r.Body, &d); err != nil {
		return err
	}
	kind := r.Header("x-wc-webhook-resource")
	if kind == "" {
		kind, _, _ = strings.Cut(topic, ".")
	}
	ev.SourceEventType = topic
	ev.EventType = norm.Mapped(mapping, topic)
	if topic == "order.updated" && d.Status == "cancelled" {
		ev.EventType = eventv1.EventType_EVENT_TYPE_ORDER_CANCELLED
	}
	ev.EntityType = kind
	ev.EntityId = string(d.ID)
	ev.UserId = string(d.CustomerID)
	if kind == "customer" {
		ev.UserId = string(d.ID)
	}
	ev.TenantId = r.Header("x-wc-webhook-source")
	// An unparsable date leaves occurred_at at the receipt time: the
	// field is informative, not worth refusing the delivery over.
	for _, s := range []string{d.DateModifiedGMT, d.DateCreatedGMT} {
		if t, err := time.Parse(gmtLayout, s); err == nil {
			norm.Occurred(ev, t)
			break
		}
	}
	norm.SetMeta(ev.Metadata, "webhook_id", r.Header("x-wc-webhook-id"))
	norm.SetMeta(ev.Metadata, "delivery_id", r.Header("x-wc-webhook-delivery-id"))
	norm.SetMeta(ev.Metadata, "status", d.Status)
	norm.SetMeta(ev.Metadata, "number", d.Number)
	norm.SetMeta(ev.Metadata, "payment_method", d.PaymentMethod)
	if kind != "order" || d.Total == "" || d.Currency == "" {
		return nil
	}
	m, err := money.ParseDecimal(d.Total, d.Currency)
	if err != nil {
		return norm.Invalid(name, "total of %q: %v", topic, err)
	}
	ev.Amount = m
	return nil
}
