package paddle

import (
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const paddlePlatform = "paddle"

// scheme is sig.TV1 in Paddle's spelling: "ts=<unix>;h1=<hex>", signing
// "<ts>:<body>". Unknown keys and h1 values that are not 64 hex digits
// are ignored (downgrade protection), as for Stripe.
var scheme = sig.TV1{
	Platform: paddlePlatform, Header: "Paddle-Signature",
	TimeKey: "ts", SigKey: "h1", ItemSep: ";", PayloadSep: ":", TrimSpace: true,
	MissingHeader: "missing Paddle-Signature header", NoSig: "no h1 signature", NoMatch: "no h1 match",
}

// DefaultTolerance is the 5-second window of Paddle's SDK helpers
// (their docs: "the SDK helper methods enforce a five-second timestamp
// tolerance by default"). It is tight on purpose; widen it per deployment
// with HOOKMESH_TOLERANCE_PADDLE if clocks drift.
const DefaultTolerance = 5 * time.Second

// NewVerifier returns a Verifier of Paddle Billing's Paddle-Signature header,
// "ts=<unix>;h1=<hex>[;h1=<hex>...]", the HMAC-SHA256 of "<ts>:<body>"
// keyed with the notification destination's secret key as-is. Several h1
// values appear while a secret is rotated. A non-positive tolerance means
// DefaultTolerance, in both directions.
func NewVerifier(secrets []string, tolerance time.Duration) platform.Verifier {
	return scheme.Verifier(secrets, sig.OrDefault(tolerance, DefaultTolerance))
}

// Signature returns the Paddle-Signature value Paddle would send for body
// at ts under secret.
func Signature(secret string, ts time.Time, body []byte) string {
	return scheme.Signature(secret, ts, body)
}
