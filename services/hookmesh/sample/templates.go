package sample

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// defaults is each platform's default sample type: its most common
// event, and one the normalizer maps to a common event type wherever the
// platform has one (discord's only mapped type is the PING handshake,
// which the edge answers without recording, so its default is a command).
var defaults = map[string]string{
	"stripe":    "payment_intent.succeeded",
	"github":    "push",
	"shopify":   "orders/create",
	"slack":     "message",
	"standard":  "user.created",
	"svix":      "order.created",
	"clerk":     "user.created",
	"resend":    "email.delivered",
	"gitlab":    "push",
	"bitbucket": "repo:push",
	"paddle":    "transaction.completed",
	"linear":    "Issue.create",
	"intercom":  "contact.user.created",
	"zendesk":   "zen:event-type:user.created",
	"hubspot":   "contact.creation",
	"square":    "payment.updated",
	"twilio":    "message.received",
	"twitch":    "channel.subscribe",
	"discord":   "application_command",
	"sendgrid":  "delivered",
	"mailgun":   "delivered",
	"adyen":     "AUTHORISATION",
}

// templates holds the sample bodies by platform and type, one file per
// platform family. Amounts are sent as each platform sends money (integer
// minor units, decimal strings) and 64-bit ids are deliberately ones that
// break float64 decoding.
var templates = map[string]map[string]template{
	"stripe":    stripeTemplates,
	"shopify":   shopifyTemplates,
	"github":    githubTemplates,
	"gitlab":    gitlabTemplates,
	"bitbucket": bitbucketTemplates,
	"linear":    linearTemplates,
	"slack":     slackTemplates,
	"twilio":    twilioTemplates,
	"twitch":    twitchTemplates,
	"discord":   discordTemplates,
	"intercom":  intercomTemplates,
	"zendesk":   zendeskTemplates,
	"sendgrid":  sendgridTemplates,
	"mailgun":   mailgunTemplates,
	"standard":  standardTemplates,
	"svix":      svixTemplates,
	"clerk":     clerkTemplates,
	"resend":    resendTemplates,
	"paddle":    paddleTemplates,
	"square":    squareTemplates,
	"hubspot":   hubspotTemplates,
	"adyen":     adyenTemplates,
}

// Fixed identities of the sending accounts: a retry or a second event of
// one account carries the same scope, as in production.
const (
	shopifyDomain     = "hookmesh-dev.myshopify.com"
	shopifyAPIVersion = "2024-07"
)

var stripeTemplates = map[string]template{
	"payment_intent.succeeded": stripeEvent("payment_intent.succeeded", stripePaymentIntent),
	"payment_intent.payment_failed": stripeEvent("payment_intent.payment_failed", func(id string) string {
		return strings.Replace(stripePaymentIntent(id), `"status": "succeeded"`, `"status": "requires_payment_method"`, 1)
	}),
	"charge.refunded": stripeEvent("charge.refunded", func(id string) string {
		return fmt.Sprintf(`{"id": "ch_%s", "object": "charge", "amount": 1999, "amount_captured": 1999, "amount_refunded": 1999, "currency": "usd", "customer": "cus_NffrFeUfNV2Hib", "payment_intent": "pi_%s", "refunded": true, "status": "succeeded"}`, id[4:20], id[4:20])
	}),
	"customer.created": stripeEvent("customer.created", func(id string) string {
		return fmt.Sprintf(`{"id": "cus_%s", "object": "customer", "email": "jenny.rosen@example.com", "name": "Jenny Rosen", "created": 1732838400, "livemode": false}`, id[4:18])
	}),
	"customer.subscription.created": stripeEvent("customer.subscription.created", func(id string) string {
		return fmt.Sprintf(`{"id": "sub_%s", "object": "subscription", "customer": "cus_NffrFeUfNV2Hib", "status": "active", "currency": "usd", "items": {"object": "list", "data": [{"id": "si_1", "price": {"id": "price_1", "unit_amount": 1500, "currency": "usd", "recurring": {"interval": "month"}}}]}}`, id[4:18])
	}),
}

var shopifyTemplates = map[string]template{
	"orders/create":    shopifyOrder("orders/create", ""),
	"orders/updated":   shopifyOrder("orders/updated", ""),
	"orders/cancelled": shopifyOrder("orders/cancelled", `"cancelled_at": "2026-11-28T20:00:00-05:00", "cancel_reason": "customer", `),
	"customers/create": shopifyCustomer,
}

func stripeEvent(typ string, object func(id string) string) template {
	return func(id string, now time.Time) (string, http.Header) {
		return fmt.Sprintf(`{
  "id": "%s",
  "object": "event",
  "account": "acct_1Nv0FGQ9RKHgCVdK",
  "api_version": "2024-06-20",
  "created": %d,
  "data": {
    "object": %s,
    "previous_attributes": null
  },
  "livemode": false,
  "pending_webhooks": 1,
  "request": {"id": "req_%s", "idempotency_key": "%s-idem"},
  "type": "%s"
}`, id, now.Unix(), object(id), id[4:18], id, typ), nil
	}
}

func stripePaymentIntent(id string) string {
	return fmt.Sprintf(`{
      "id": "pi_%s",
      "object": "payment_intent",
      "amount": 1999,
      "amount_capturable": 0,
      "amount_details": {"tip": {}},
      "amount_received": 1999,
      "application": null,
      "automatic_payment_methods": {"allow_redirects": "always", "enabled": true},
      "canceled_at": null,
      "cancellation_reason": null,
      "capture_method": "automatic_async",
      "client_secret": "pi_%s_secret_redacted",
      "confirmation_method": "automatic",
      "created": 1732838395,
      "currency": "usd",
      "customer": "cus_NffrFeUfNV2Hib",
      "description": "Order #1001",
      "last_payment_error": null,
      "latest_charge": "ch_%s",
      "livemode": false,
      "metadata": {"order_id": "1001", "cart": "8f2c1d"},
      "next_action": null,
      "on_behalf_of": null,
      "payment_method": "pm_1QKy8xLkdIwHu7ixtPrX0kC7",
      "payment_method_options": {"card": {"installments": null, "mandate_options": null, "network": null, "request_three_d_secure": "automatic"}},
      "payment_method_configuration_details": {"id": "pmc_1QKy6fLkdIwHu7ixq2bBu0bX", "parent": null},
      "payment_method_types": ["card", "link"],
      "processing": null,
      "receipt_email": "jenny.rosen@example.com",
      "review": null,
      "setup_future_usage": null,
      "shipping": {"address": {"city": "San Francisco", "country": "US", "line1": "510 Townsend St", "postal_code": "94103", "state": "CA"}, "name": "Jenny Rosen"},
      "source": null,
      "statement_descriptor": null,
      "statement_descriptor_suffix": null,
      "status": "succeeded",
      "transfer_data": null,
      "transfer_group": null
    }`, id[4:20], id[4:20], id[4:20])
}

func shopifyOrder(topic, extra string) template {
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
