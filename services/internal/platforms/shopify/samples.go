package shopify

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// Fixed identities of the sending accounts: a retry or a second event of
// one account carries the same scope, as in production.
const (
	shopifyDomain     = "hookmesh-dev.myshopify.com"
	shopifyAPIVersion = "2024-07"
)

// samples are the Shopify webhooks `hookmesh send` builds.
var samples = platform.Samples{
	Default:   "orders/create",
	NewID:     func(time.Time) string { return randid.UUID() },
	Templates: templates,
	TypeHeaders: func(typ string) map[string]string {
		return map[string]string{"X-Shopify-Topic": typ, "X-Shopify-Shop-Domain": shopifyDomain, "X-Shopify-API-Version": shopifyAPIVersion}
	},
	IDHeaders: func(id string) http.Header {
		return http.Header{"X-Shopify-Event-Id": {id}, "X-Shopify-Webhook-Id": {id}}
	},
}

var templates = map[string]platform.Template{
	"orders/create":    shopifyOrder("orders/create", ""),
	"orders/updated":   shopifyOrder("orders/updated", ""),
	"orders/cancelled": shopifyOrder("orders/cancelled", `"cancelled_at": "2026-11-28T20:00:00-05:00", "cancel_reason": "customer", `),
	"customers/create": shopifyCustomer,
}

func shopifyOrder(topic, extra string) platform.Template {
	return func(id string, now time.Time) (string, http.Header) {
		var items []string
		for i := range 5 {
			items = append(items, fmt.Sprintf(`{"id": 86655031176643%04d, "admin_graphql_api_id": "gid://shopify/LineItem/86655031176643%04d", "name": "Webhook Mug - Size %d", "price": "4.99", "price_set": {"shop_money": {"amount": "4.99", "currency_code": "USD"}, "presentment_money": {"amount": "4.99", "currency_code": "USD"}}, "product_id": 788032119674292922, "variant_id": 39072856000000%d, "quantity": 1, "sku": "MUG-%d", "taxable": true, "requires_shipping": true, "fulfillment_status": null, "tax_lines": [{"price": "0.40", "rate": 0.08, "title": "State tax"}], "discount_allocations": []}`, 1000+i, 1000+i, i, i, i))
		}
		body := fmt.Sprintf(`{
  "id": 866550311766439020,
  "admin_graphql_api_id": "gid://shopify/Order/866550311766439020",
  "app_id": 580111, "browser_ip": "203.0.113.7", "buyer_accepts_marketing": false, %s
  "checkout_id": 901414060, "confirmation_number": "HM1001X", "confirmed": true,
  "contact_email": "bob.norman@mail.example.com", "created_at": "2026-11-28T19:00:00-05:00",
  "currency": "USD", "current_subtotal_price": "24.95", "current_total_price": "26.95", "current_total_tax": "2.00",
  "customer_locale": "en", "email": "bob.norman@mail.example.com", "financial_status": "paid",
  "name": "#1001", "order_number": 1001, "presentment_currency": "USD", "processed_at": "2026-11-28T19:00:00-05:00",
  "subtotal_price": "24.95", "subtotal_price_set": {"shop_money": {"amount": "24.95", "currency_code": "USD"}, "presentment_money": {"amount": "24.95", "currency_code": "USD"}},
  "tags": "webhook, sample", "taxes_included": false, "test": true,
  "total_discounts": "0.00", "total_line_items_price": "24.95", "total_price": "26.95",
  "total_price_set": {"shop_money": {"amount": "26.95", "currency_code": "USD"}, "presentment_money": {"amount": "26.95", "currency_code": "USD"}},
  "total_tax": "2.00", "total_weight": 1500, "updated_at": "%s",
  "billing_address": {"first_name": "Bob", "last_name": "Norman", "address1": "Chestnut Street 92", "city": "Louisville", "province": "Kentucky", "country": "United States", "zip": "40202", "country_code": "US", "province_code": "KY"},
  "shipping_address": {"first_name": "Bob", "last_name": "Norman", "address1": "Chestnut Street 92", "city": "Louisville", "province": "Kentucky", "country": "United States", "zip": "40202", "country_code": "US", "province_code": "KY"},
  "customer": {"id": 115310627314723954, "email": "bob.norman@mail.example.com", "first_name": "Bob", "last_name": "Norman", "state": "enabled", "verified_email": true, "currency": "USD", "created_at": "2025-01-10T09:00:00-05:00", "updated_at": "2026-11-28T19:00:00-05:00"},
  "line_items": [%s],
  "shipping_lines": [{"id": 271878346596884015, "code": "Standard", "price": "0.00", "title": "Standard Shipping"}]
}`, extra, now.Format(time.RFC3339), strings.Join(items, ",\n    "))
		return body, http.Header{"X-Shopify-Topic": {topic}, "X-Shopify-Shop-Domain": {shopifyDomain},
			"X-Shopify-Api-Version":  {shopifyAPIVersion},
			"X-Shopify-Triggered-At": {now.UTC().Format(time.RFC3339Nano)}}
	}
}

func shopifyCustomer(id string, now time.Time) (string, http.Header) {
	body := fmt.Sprintf(`{"id": 706405506930370084, "email": "bob@biller.com", "first_name": "Bob", "last_name": "Biller", "created_at": "%s", "updated_at": "%s", "state": "enabled", "currency": "USD", "admin_graphql_api_id": "gid://shopify/Customer/706405506930370084"}`,
		now.Format(time.RFC3339), now.Format(time.RFC3339))
	return body, http.Header{"X-Shopify-Topic": {"customers/create"}, "X-Shopify-Shop-Domain": {shopifyDomain},
		"X-Shopify-Api-Version": {shopifyAPIVersion}, "X-Shopify-Triggered-At": {now.UTC().Format(time.RFC3339Nano)}}
}
