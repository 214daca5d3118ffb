package woocommerce

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// samples are the WooCommerce deliveries `hookmesh send` builds: REST API
// v3 resources as https://woocommerce.github.io/woocommerce-rest-api-docs/
// shows them. The fresh id is the delivery id (32 hex digits, as wp_hash
// gives); the dedup key is the body's hash, and the bodies differ by the
// order key and dates drawn from it.
var samples = platform.Samples{
	Default:        "order.created",
	NewID:          func(time.Time) string { return strings.ToLower(fmt.Sprintf("%x", randid.Bytes(16))) },
	Templates:      templates,
	TypeHeaders:    typeHeaders,
	IDHeaders:      func(id string) http.Header { return http.Header{DeliveryIDHeader: {id}} },
	KeyedByContent: true,
}

// typeHeaders are the topic headers of topic ("order.created").
func typeHeaders(topic string) map[string]string {
	res, ev, _ := strings.Cut(topic, ".")
	return map[string]string{TopicHeader: topic, ResourceHeader: res, EventHeader: ev}
}

var templates = map[string]platform.Template{
	"order.created": delivery("order.created", 11, func(id string, now time.Time) string {
		return order(id, now, "processing")
	}),
	"order.updated": delivery("order.updated", 12, func(id string, now time.Time) string {
		return order(id, now, "completed")
	}),
	"customer.created": delivery("customer.created", 13, func(id string, now time.Time) string {
		return fmt.Sprintf(`{"id":%d,"date_created":%q,"date_created_gmt":%q,"date_modified":%q,"date_modified_gmt":%q,"email":"john.doe+%s@example.com","first_name":"John","last_name":"Doe","role":"customer","username":"john.doe.%s","billing":{"first_name":"John","last_name":"Doe","city":"San Francisco","country":"US","email":"john.doe@example.com"},"is_paying_customer":false,"meta_data":[]}`,
			now.Unix()%100000, gmt(now), gmt(now), gmt(now), gmt(now), id[:8], id[:8])
	}),
}

func gmt(t time.Time) string { return t.UTC().Format(gmtLayout) }

func order(id string, now time.Time, status string) string {
	return fmt.Sprintf(`{"id":%d,"parent_id":0,"status":%q,"currency":"USD","version":"9.4.1","prices_include_tax":false,"date_created":%q,"date_modified":%q,"discount_total":"0.00","shipping_total":"10.00","cart_tax":"1.35","total":"29.35","total_tax":"1.35","customer_id":26,"order_key":"wc_order_%s","billing":{"first_name":"John","last_name":"Doe","city":"San Francisco","country":"US","email":"john.doe@example.com"},"payment_method":"bacs","payment_method_title":"Direct Bank Transfer","created_via":"checkout","date_paid":null,"number":"%d","line_items":[{"id":315,"name":"Woo Single #1","product_id":93,"quantity":2,"subtotal":"6.00","total":"6.00","price":3}],"date_created_gmt":%q,"date_modified_gmt":%q}`,
		now.Unix()%100000, status, gmt(now), gmt(now), id[:13], now.Unix()%100000, gmt(now), gmt(now))
}

// delivery renders a body with the headers WooCommerce sends beside the
// signature.
func delivery(topic string, webhookID int, body func(id string, now time.Time) string) platform.Template {
	return func(id string, now time.Time) (string, http.Header) {
		h := http.Header{SourceHeader: {"https://shop.example.com/"}, WebhookIDHeader: {fmt.Sprint(webhookID)}}
		for k, v := range typeHeaders(topic) {
			h.Set(k, v)
		}
		return body(id, now), h
	}
}
