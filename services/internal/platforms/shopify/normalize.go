package shopify

import (
	"strings"
	"time"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/money"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// shopifyResource is the part of a Shopify webhook body (the resource
// itself: an order, a customer, a refund ...) the adapter reads. Ids are
// norm.ID because they exceed 2^53; money is decimal strings.
type shopifyResource struct {
	ID                norm.ID   `json:"id"`
	AdminGraphQLAPIID string    `json:"admin_graphql_api_id"`
	CreatedAt         norm.Time `json:"created_at"`
	UpdatedAt         norm.Time `json:"updated_at"`

	// orders
	Name            string    `json:"name"`
	OrderNumber     norm.ID   `json:"order_number"`
	TotalPrice      *string   `json:"total_price"`
	Currency        string    `json:"currency"`
	PresentmentCur  string    `json:"presentment_currency"`
	FinancialStatus string    `json:"financial_status"`
	CancelReason    string    `json:"cancel_reason"`
	CancelledAt     norm.Time `json:"cancelled_at"`
	TotalPriceSet   *struct {
		ShopMoney struct {
			Amount       string `json:"amount"`
			CurrencyCode string `json:"currency_code"`
		} `json:"shop_money"`
	} `json:"total_price_set"`
	Customer *struct {
		ID norm.ID `json:"id"`
	} `json:"customer"`

	// refunds
	OrderID      norm.ID `json:"order_id"`
	Transactions []struct {
		ID       norm.ID `json:"id"`
		Kind     string  `json:"kind"`
		Status   string  `json:"status"`
		Amount   string  `json:"amount"`
		Currency string  `json:"currency"`
	} `json:"transactions"`
}

// normalize reads a Shopify webhook. Required: the x-shopify-topic
// header and a JSON object body (the resource).
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	topic := r.Header("x-shopify-topic")
	if topic == "" {
		return norm.Invalid("shopify", "no x-shopify-topic header")
	}
	var res shopifyResource
	if err := norm.DecodeObject("shopify", r.Body, &res); err != nil {
		return err
	}
	ev.SourceEventType = topic
	ev.EventType = norm.Mapped(mapping, topic)
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
	norm.Occurred(ev, norm.FirstTime(triggered, res.UpdatedAt.Time, res.CreatedAt.Time))

	norm.SetMeta(ev.Metadata, "admin_graphql_api_id", res.AdminGraphQLAPIID)
	norm.SetMeta(ev.Metadata, "api_version", r.Header("x-shopify-api-version"))
	norm.SetMeta(ev.Metadata, "webhook_id", r.Header("x-shopify-webhook-id"))
	norm.SetMeta(ev.Metadata, "order_id", string(res.OrderID))

	switch ev.EntityType {
	case "order":
		norm.SetMeta(ev.Metadata, "order_name", res.Name)
		norm.SetMeta(ev.Metadata, "order_number", string(res.OrderNumber))
		norm.SetMeta(ev.Metadata, "financial_status", res.FinancialStatus)
		norm.SetMeta(ev.Metadata, "presentment_currency", res.PresentmentCur)
		norm.SetMeta(ev.Metadata, "cancel_reason", res.CancelReason)
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
		return norm.Invalid("shopify", "total price of %q: %v", topic, err)
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
			return norm.Invalid("shopify", "transaction %d of %q: %v", i, topic, err)
		}
		if total == nil {
			total = m
			continue
		}
		if total, err = money.Add(total, m); err != nil {
			return norm.Invalid("shopify", "refund total of %q: %v", topic, err)
		}
	}
	ev.Amount = total
	return nil
}
