package stripe

import (
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	name   = "stripe"
	header = "Stripe-Signature"
)

// scheme is sig.TV1 as Stripe introduced it.
var scheme = sig.TV1{Platform: name, Header: header, MissingHeader: "missing Stripe-Signature header"}

// DefaultTolerance is stripe-go's DefaultTolerance. We apply it in both
// directions (see the package doc).
const DefaultTolerance = 300 * time.Second

// NewVerifier returns a Verifier of the Stripe-Signature header. Each
// secret is an endpoint secret used as-is, whsec_ prefix included. A
// non-positive tolerance means DefaultTolerance; it bounds the timestamp
// in both directions.
func NewVerifier(secrets []string, tolerance time.Duration) platform.Verifier {
	return scheme.Verifier(secrets, sig.OrDefault(tolerance, DefaultTolerance))
}

// Signature returns the Stripe-Signature header value Stripe would send
// for body at ts under secret: "t=<unix>,v1=<hex>".
func Signature(secret string, ts time.Time, body []byte) string {
	return scheme.Signature(secret, ts, body)
}
