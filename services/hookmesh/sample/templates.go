package sample

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// defaults is each platform's default sample type.
var defaults = map[string]string{
	"stripe":   "payment_intent.succeeded",
	"github":   "push",
	"shopify":  "orders/create",
	"slack":    "message",
	"standard": "user.created",
}

// templates holds the sample bodies by platform and type. Amounts and
// 64-bit ids are deliberately ones that break float64 decoding.
var templates = map[string]map[string]template{
	"stripe": {
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
	},
	"github": {
		"push":         githubPush,
		"pull_request": githubPullRequest,
		"ping":         githubPing,
	},
	"shopify": {
		"orders/create":    shopifyOrder("orders/create", ""),
		"orders/updated":   shopifyOrder("orders/updated", ""),
		"orders/cancelled": shopifyOrder("orders/cancelled", `"cancelled_at": "2026-11-28T20:00:00-05:00", "cancel_reason": "customer", `),
		"customers/create": shopifyCustomer,
	},
	"slack": {
		"message":        slackEvent(`{"type": "message", "channel": "C0LAN2Q65", "user": "U061F7AUR", "text": "Deploy finished :rocket:", "ts": "1732838400.000200", "event_ts": "1732838400.000200", "channel_type": "channel"}`),
		"app_mention":    slackEvent(`{"type": "app_mention", "channel": "C0LAN2Q65", "user": "U061F7AUR", "text": "<@U0LAN0Z89> is it everything a river should be?", "ts": "1732838400.000300", "event_ts": "1732838400.000300"}`),
		"reaction_added": slackEvent(`{"type": "reaction_added", "user": "U061F7AUR", "reaction": "thumbsup", "item": {"type": "message", "channel": "C0LAN2Q65", "ts": "1732838400.000200"}, "event_ts": "1732838401.000100"}`),
	},
	"standard": {
		"user.created": standardEvent("user.created", `{"id": "user_29w83sxmDNGwOuEthce5gg56FcC", "email_addresses": [{"email_address": "example@example.org"}], "first_name": "Example", "last_name": "Example", "created_at": 1654012591514}`),
		"invoice.paid": standardEvent("invoice.paid", `{"id": "inv_7Hk2", "amount": "49.90", "currency": "EUR", "customer": "cust_8841"}`),
	},
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
      "capture_method": "automatic_async",
      "client_secret": "pi_%s_secret_redacted",
      "confirmation_method": "automatic",
      "created": 1732838395,
      "currency": "usd",
      "customer": "cus_NffrFeUfNV2Hib",
      "description": "Order #1001",
      "latest_charge": "ch_%s",
      "livemode": false,
      "metadata": {"order_id": "1001", "cart": "8f2c1d"},
      "payment_method": "pm_1QKy8xLkdIwHu7ixtPrX0kC7",
      "payment_method_options": {"card": {"installments": null, "mandate_options": null, "network": null, "request_three_d_secure": "automatic"}},
      "payment_method_types": ["card", "link"],
      "receipt_email": "jenny.rosen@example.com",
      "shipping": {"address": {"city": "San Francisco", "country": "US", "line1": "510 Townsend St", "postal_code": "94103", "state": "CA"}, "name": "Jenny Rosen"},
      "statement_descriptor": null,
      "status": "succeeded"
    }`, id[4:20], id[4:20], id[4:20])
}

func githubPush(id string, now time.Time) (string, http.Header) {
	var commits []string
	for i := range 12 {
		commits = append(commits, fmt.Sprintf(`{"id": "%040d", "tree_id": "%040d", "distinct": true, "message": "Refactor ledger claim path, part %d\n\nSplit the claim query so fairness holds across subscriptions and add tests for the lease expiry path.", "timestamp": "2026-11-28T19:0%d:00-05:00", "url": "https://github.com/octo-org/hookmesh/commit/%040d", "author": {"name": "Mona Lisa", "email": "mona@github.com", "username": "monalisa"}, "committer": {"name": "GitHub", "email": "noreply@github.com", "username": "web-flow"}, "added": ["services/ledger/internal/store/postgres/claim.go"], "removed": [], "modified": ["services/ledger/internal/store/postgres/postgres.go", "services/ledger/README.md"]}`, i, i, i, i%10, i))
	}
	body := fmt.Sprintf(`{
  "ref": "refs/heads/main",
  "before": "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
  "after": "59b20b8d5c6ff8d09518454d4dd8b7a30f095ab5",
  "repository": {"id": 186853002, "node_id": "MDEwOlJlcG9zaXRvcnkxODY4NTMwMDI=", "name": "hookmesh", "full_name": "octo-org/hookmesh", "private": true,
    "owner": {"name": "octo-org", "email": null, "login": "octo-org", "id": 6811672, "type": "Organization"},
    "html_url": "https://github.com/octo-org/hookmesh", "created_at": 1557933565, "updated_at": "2026-11-28T23:40:13Z", "pushed_at": %d,
    "default_branch": "main", "master_branch": "main", "size": 7120, "stargazers_count": 42, "language": "Go"},
  "pusher": {"name": "monalisa", "email": "mona@github.com"},
  "sender": {"login": "monalisa", "id": 21031067, "type": "User", "site_admin": false},
  "installation": {"id": 2311213, "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMjMxMTIxMw=="},
  "created": false, "deleted": false, "forced": false, "base_ref": null,
  "compare": "https://github.com/octo-org/hookmesh/compare/6113728f27ae...59b20b8d5c6f",
  "commits": [%s],
  "head_commit": %s
}`, now.Unix(), strings.Join(commits, ",\n    "), commits[len(commits)-1])
	return body, http.Header{"X-Github-Event": {"push"}, "X-Github-Hook-Id": {"412345678"},
		"X-Github-Hook-Installation-Target-Type": {"integration"}, "X-Github-Hook-Installation-Target-Id": {"79929171"}}
}

func githubPullRequest(id string, now time.Time) (string, http.Header) {
	body := fmt.Sprintf(`{"action": "opened", "number": 7,
  "pull_request": {"id": 9007199254740993, "number": 7, "state": "open", "draft": false, "title": "Claim fairly across subscriptions", "user": {"login": "monalisa", "id": 21031067},
    "created_at": "%s", "updated_at": "%s", "head": {"ref": "fair-claim", "sha": "59b20b8d5c6ff8d09518454d4dd8b7a30f095ab5"}, "base": {"ref": "main"}},
  "repository": {"id": 186853002, "full_name": "octo-org/hookmesh", "created_at": "2019-05-15T15:19:25Z", "pushed_at": "2026-11-28T23:40:13Z"},
  "sender": {"login": "monalisa", "id": 21031067}, "installation": {"id": 2311213}}`, now.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	return body, http.Header{"X-Github-Event": {"pull_request"}, "X-Github-Hook-Id": {"412345678"}}
}

func githubPing(id string, now time.Time) (string, http.Header) {
	body := `{"zen": "Design for failure.", "hook_id": 412345678, "hook": {"type": "Repository", "id": 412345678, "active": true, "events": ["push", "pull_request"]}, "repository": {"id": 186853002, "full_name": "octo-org/hookmesh"}, "sender": {"login": "monalisa", "id": 21031067}}`
	return body, http.Header{"X-Github-Event": {"ping"}, "X-Github-Hook-Id": {"412345678"}}
}

func shopifyOrder(topic, extra string) template {
	return func(id string, now time.Time) (string, http.Header) {
		var items []string
		for i := range 4 {
			items = append(items, fmt.Sprintf(`{"id": 86655031176643%04d, "admin_graphql_api_id": "gid://shopify/LineItem/86655031176643%04d", "name": "Webhook Mug - Size %d", "price": "4.99", "price_set": {"shop_money": {"amount": "4.99", "currency_code": "USD"}, "presentment_money": {"amount": "4.99", "currency_code": "USD"}}, "product_id": 788032119674292922, "variant_id": 39072856000000%d, "quantity": 1, "sku": "MUG-%d", "taxable": true, "requires_shipping": true, "fulfillment_status": null, "tax_lines": [{"price": "0.40", "rate": 0.08, "title": "State tax"}], "discount_allocations": []}`, 1000+i, 1000+i, i, i, i))
		}
		body := fmt.Sprintf(`{
  "id": 866550311766439020,
  "admin_graphql_api_id": "gid://shopify/Order/866550311766439020",
  "app_id": 580111, "browser_ip": "203.0.113.7", "buyer_accepts_marketing": false, %s
  "checkout_id": 901414060, "confirmation_number": "HM1001X", "confirmed": true,
  "contact_email": "bob.norman@mail.example.com", "created_at": "2026-11-28T19:00:00-05:00",
  "currency": "USD", "current_subtotal_price": "19.96", "current_total_price": "21.56", "current_total_tax": "1.60",
  "customer_locale": "en", "email": "bob.norman@mail.example.com", "financial_status": "paid",
  "name": "#1001", "order_number": 1001, "presentment_currency": "USD", "processed_at": "2026-11-28T19:00:00-05:00",
  "subtotal_price": "19.96", "subtotal_price_set": {"shop_money": {"amount": "19.96", "currency_code": "USD"}, "presentment_money": {"amount": "19.96", "currency_code": "USD"}},
  "tags": "webhook, sample", "taxes_included": false, "test": true,
  "total_discounts": "0.00", "total_line_items_price": "19.96", "total_price": "21.56",
  "total_price_set": {"shop_money": {"amount": "21.56", "currency_code": "USD"}, "presentment_money": {"amount": "21.56", "currency_code": "USD"}},
  "total_tax": "1.60", "total_weight": 1200, "updated_at": "%s",
  "billing_address": {"first_name": "Bob", "last_name": "Norman", "address1": "Chestnut Street 92", "city": "Louisville", "province": "Kentucky", "country": "United States", "zip": "40202", "country_code": "US", "province_code": "KY"},
  "shipping_address": {"first_name": "Bob", "last_name": "Norman", "address1": "Chestnut Street 92", "city": "Louisville", "province": "Kentucky", "country": "United States", "zip": "40202", "country_code": "US", "province_code": "KY"},
  "customer": {"id": 115310627314723954, "email": "bob.norman@mail.example.com", "first_name": "Bob", "last_name": "Norman", "state": "enabled", "verified_email": true, "currency": "USD", "created_at": "2025-01-10T09:00:00-05:00", "updated_at": "2026-11-28T19:00:00-05:00"},
  "line_items": [%s],
  "shipping_lines": [{"id": 271878346596884015, "code": "Standard", "price": "0.00", "title": "Standard Shipping"}]
}`, extra, now.Format(time.RFC3339), strings.Join(items, ",\n    "))
		return body, http.Header{"X-Shopify-Topic": {topic}, "X-Shopify-Shop-Domain": {"hookmesh-dev.myshopify.com"},
			"X-Shopify-Api-Version": {"2024-07"}, "X-Shopify-Webhook-Id": {id}, "X-Shopify-Event-Id": {id},
			"X-Shopify-Triggered-At": {now.UTC().Format(time.RFC3339Nano)}}
	}
}

func shopifyCustomer(id string, now time.Time) (string, http.Header) {
	body := fmt.Sprintf(`{"id": 706405506930370084, "email": "bob@biller.com", "first_name": "Bob", "last_name": "Biller", "created_at": "%s", "updated_at": "%s", "state": "enabled", "currency": "USD", "admin_graphql_api_id": "gid://shopify/Customer/706405506930370084"}`,
		now.Format(time.RFC3339), now.Format(time.RFC3339))
	return body, http.Header{"X-Shopify-Topic": {"customers/create"}, "X-Shopify-Shop-Domain": {"hookmesh-dev.myshopify.com"},
		"X-Shopify-Api-Version": {"2024-07"}, "X-Shopify-Webhook-Id": {id}, "X-Shopify-Event-Id": {id}}
}

func slackEvent(event string) template {
	return func(id string, now time.Time) (string, http.Header) {
		return fmt.Sprintf(`{"token": "XXYYZZ", "team_id": "T061EG9R6", "api_app_id": "A0MDYCDME", "event": %s, "type": "event_callback", "event_id": "%s", "event_time": %d, "authorizations": [{"enterprise_id": null, "team_id": "T061EG9R6", "user_id": "U0LAN0Z89", "is_bot": true}], "is_ext_shared_channel": false, "event_context": "4-eyJldCI6Im1lc3NhZ2UifQ"}`,
			event, id, now.Unix()), nil
	}
}

func standardEvent(typ, data string) template {
	return func(id string, now time.Time) (string, http.Header) {
		return fmt.Sprintf(`{"type": "%s", "timestamp": "%s", "data": %s}`, typ, now.UTC().Format(time.RFC3339Nano), data), nil
	}
}
