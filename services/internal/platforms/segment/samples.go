package segment

import (
	"fmt"
	"net/http"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// samples are the Segment calls `hookmesh send` builds, modelled on the
// examples of Segment's Spec and webhook destination docs. The fresh id
// is the messageId.
var samples = platform.Samples{
	Default:   "track:Order Completed",
	NewID:     func(time.Time) string { return "ajs-next-" + randid.Alnum(32) },
	Templates: templates,
}

var templates = map[string]platform.Template{
	"track:Order Completed": orderCompleted,
	"track:Signed Up":       signedUp,
	"identify":              identify,
	"page":                  page,
}

const context = `"context": {"ip": "8.8.8.8", "library": {"name": "analytics.js", "version": "next-1.64.0"}, "locale": "en-US", "page": {"path": "/checkout", "title": "Checkout", "url": "https://shop.example.com/checkout"}, "userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)"}`

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func orderCompleted(id string, now time.Time) (string, http.Header) {
	return fmt.Sprintf(`{"anonymousId": "507f191e810c19729de860ea", "userId": "97980cfea0067", "type": "track", "event": "Order Completed", "properties": {"checkout_id": "fksdjfsdjfisjf9sdfjsd9f", "order_id": "%s", "affiliation": "Google Store", "total": 27.50, "subtotal": 22.50, "revenue": 25.00, "shipping": 3, "tax": 2, "discount": 2.5, "coupon": "hasbros", "currency": "USD", "products": [{"product_id": "507f1f77bcf86cd799439011", "sku": "45790-32", "name": "Monopoly: 3rd Edition", "price": 19, "quantity": 1, "category": "Games"}]}, %s, "messageId": "%s", "timestamp": "%s", "receivedAt": "%s", "sentAt": "%s", "originalTimestamp": "%s", "writeKey": "redacted", "version": 2}`,
		id[9:29], context, id, stamp(now), stamp(now), stamp(now), stamp(now)), jsonHeader()
}

func signedUp(id string, now time.Time) (string, http.Header) {
	return fmt.Sprintf(`{"anonymousId": "507f191e810c19729de860ea", "userId": "u_%s", "type": "track", "event": "Signed Up", "properties": {"type": "organic", "first_name": "Peter", "last_name": "Gibbons", "username": "pgibbons"}, %s, "messageId": "%s", "timestamp": "%s", "sentAt": "%s", "version": 2}`,
		id[9:21], context, id, stamp(now), stamp(now)), jsonHeader()
}

func identify(id string, now time.Time) (string, http.Header) {
	return fmt.Sprintf(`{"anonymousId": "507f191e810c19729de860ea", "userId": "97980cfea0067", "type": "identify", "traits": {"name": "Peter Gibbons", "email": "peter@example.com", "plan": "premium", "logins": 5}, %s, "messageId": "%s", "timestamp": "%s", "sentAt": "%s", "version": 2}`,
		context, id, stamp(now), stamp(now)), jsonHeader()
}

func page(id string, now time.Time) (string, http.Header) {
	return fmt.Sprintf(`{"anonymousId": "507f191e810c19729de860ea", "type": "page", "name": "Checkout", "properties": {"path": "/checkout", "title": "Checkout", "url": "https://shop.example.com/checkout"}, %s, "messageId": "%s", "timestamp": "%s", "sentAt": "%s", "version": 2}`,
		context, id, stamp(now), stamp(now)), jsonHeader()
}

// jsonHeader is a fresh header map per sample: callers add to it.
func jsonHeader() http.Header { return http.Header{"Content-Type": {"application/json"}} }
