package calendly

import (
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	name   = "calendly"
	header = "Calendly-Webhook-Signature"
)

// scheme is Stripe's, under Calendly's header.
var scheme = sig.TV1{Platform: name, Header: header}

// DefaultTolerance is the three minutes of the verification example in
// Calendly's webhook-signature docs (Calendly publishes no SDK). We apply
// it in both directions.
const DefaultTolerance = 3 * time.Minute

// NewVerifier returns a Verifier of the Calendly-Webhook-Signature header
// "t=<unix>,v1=<hex>": the HMAC-SHA256 of "<t>.<body>" keyed with the
// webhook signing key as-is, Stripe's scheme (sig.TV1). Several v1
// entries are accepted, any one may match; other schemes are ignored. A
// non-positive tolerance means DefaultTolerance.
func NewVerifier(secrets []string, tolerance time.Duration) platform.Verifier {
	return scheme.Verifier(secrets, sig.OrDefault(tolerance, DefaultTolerance))
}

// Signature returns the Calendly-Webhook-Signature value Calendly would
// send for body at ts under secret: "t=<unix>,v1=<hex>".
func Signature(secret string, ts time.Time, body []byte) string {
	return scheme.Signature(secret, ts, body)
}
