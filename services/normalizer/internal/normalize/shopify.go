package normalize

import (
	"strings"
	"time"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/money"
)

// shopifyResource is the part of a Shopify webhook body (the resource
// itself: an order, a customer, a refund ...) the adapter reads. Ids are
// jsonID because they exceed 2^53; money is decimal strings.
type shopifyResource struct {
	ID                jsonID   `json:"id"`
	AdminGraphQLAPIID string   `json:"admin_graphql_api_id"`
	CreatedAt         jsonTime `json:"created_at"`
	UpdatedAt         jsonTime `json:"updated_at"`

	// orders
	Name            string   `json:"name"`
	OrderNumber     jsonID   `json:"order_number"`
	TotalPrice      *string  `json:"total_price"`
	Currency        string   `json:"currency"`
	PresentmentCur  string   `json:"presentment_currency"`
	FinancialStatus string   `json:"financial_status"`
	CancelReason    string   `json:"cancel_reason"`
	CancelledAt     jsonTime `json:"cancelled_at"`
	TotalPriceSet   *struct {
		ShopMoney struct {
			Amount       string `json:"amount"`
			CurrencyCode string `json:"currency_code"`
		} `json:"shop_money"`
	} `json:"total_price_set"`
	Customer *struct {
		ID jsonID `json:"id"`
	} `json:"customer"`

	// refunds
	OrderID      jsonID `json:"order_id"`
	Transactions []struct {
		ID       jsonID `json:"id"`
		Kind     string `json:"kind"`
		Status   string `json:"status"`
		Amount   string `json:"amount"`
		Currency string `json:"currency"`
	} `json:"transactions"`
}

// normalizeShopify reads a Shopify webhook. Required: the x-shopify-topic
// header and a JSON object body (the resource).
func normalizeShopify(r request, ev *eventv1.NormalizedEvent) error {
	topic := r.Header("x-shopify-topic")
	if topic == "" {
		return invalid("shopify", "no x-shopify-topic header")
	}
	var res shopifyResource
	if err := decodeObject("shopify", r.Body, &res); err != nil {
		return err
	}
	ev.SourceEventType = topic
	ev.EventType = eventType("shopify", topic)
	resource, _, _ := strings.Cut(topic, "/")
	ev.EntityType = strings.TrimSuffix(resource, "s")
	ev.EntityId = string(res.ID)
	ev.TenantId = r.Header("x-shopify-shop-domain")
	if res.Customer != nil {
		ev.UserId = string(res.Customer.ID)
	}
	if ev.EntityType == "customer" {
		ev.UserId = string(res.ID)
	}

	// X-Shopify-Triggered-At is when Shopify fired the webhook; it is not
	// signed, so a value that does not parse falls back to the resource's
	// own times instead of failing the event.
	triggered, _ := time.Parse(time.RFC3339Nano, r.Header("x-shopify-triggered-at"))
	occurred(ev, firstTime(triggered, res.UpdatedAt.Time, res.CreatedAt.Time))

	setMeta(ev.Metadata, "admin_graphql_api_id", res.AdminGraphQLAPIID)
	setMeta(ev.Metadata, "api_version", r.Header("x-shopify-api-version"))
	setMeta(ev.Metadata, "webhook_id", r.Header("x-shopify-webhook-id"))
	setMeta(ev.Metadata, "order_id", string(res.OrderID))

	switch ev.EntityType {
	case "order":
		setMeta(ev.Metadata, "order_name", res.Name)
		setMeta(ev.Metadata, "order_number", string(res.OrderNumber))
		setMeta(ev.Metadata, "financial_status", res.FinancialStatus)
		setMeta(ev.Metadata, "presentment_currency", res.PresentmentCur)
		setMeta(ev.Metadata, "cancel_reason", res.CancelReason)
		if !res.CancelledAt.IsZero() {
			ev.Metadata["cancelled_at"] = res.CancelledAt.UTC().Format(time.RFC3339)
		}
		return shopifyOrderAmount(topic, &res, ev)
	case "refund":
		return shopifyRefundAmount(topic, &res, ev)
	}
	return nil
}

// shopifyOrderAmount sets the order total in the shop's currency:
// total_price with currency, or total_price_set.shop_money when the flat
// fields are absent. The presentment (customer-facing) currency is only
// noted in metadata.
func shopifyOrderAmount(topic string, res *shopifyResource, ev *eventv1.NormalizedEvent) error {
	amount, currency := "", res.Currency
	switch {
	case res.TotalPrice != nil:
		amount = *res.TotalPrice
	case res.TotalPriceSet != nil:
		amount, currency = res.TotalPriceSet.ShopMoney.Amount, res.TotalPriceSet.ShopMoney.CurrencyCode
	default:
		return nil
	}
	m, err := money.ParseDecimal(amount, currency)
	if err != nil {
		return invalid("shopify", "total price of %q: %v", topic, err)
	}
	ev.Amount = m
	return nil
}

// shopifyRefundAmount sets the money returned by a refund: the sum of its
// successful "refund" transactions (a refund that only restocks items has
// none and carries no amount). Mixed currencies are rejected rather than
// added.
func shopifyRefundAmount(topic string, res *shopifyResource, ev *eventv1.NormalizedEvent) error {
	var total *eventv1.Money
	for i, tx := range res.Transactions {
		if tx.Kind != "refund" || (tx.Status != "" && tx.Status != "success") {
			continue
		}
		m, err := money.ParseDecimal(tx.Amount, tx.Currency)
		if err != nil {
			return invalid("shopify", "transaction %d of %q: %v", i, topic, err)
		}
		if total == nil {
			total = m
			continue
		}
		if total, err = money.Add(total, m); err != nil {
			return invalid("shopify", "refund total of %q: %v", topic, err)
		}
	}
	ev.Amount = total
	return nil
}
