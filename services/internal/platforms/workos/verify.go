package workos

import (
	"net/http"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	name   = "workos"
	header = "WorkOS-Signature"
)

// scheme is sig.TV1 with the timestamp in milliseconds and a space after
// the comma.
var scheme = sig.TV1{Platform: name, Header: header, Millis: true, JoinSep: ", ", MissingHeader: "missing WorkOS-Signature header"}

// DefaultTolerance is the WorkOS SDKs' default window (180 seconds in
// workos-node, workos-ruby and workos-elixir). We apply it in both
// directions.
const DefaultTolerance = 180 * time.Second

// NewVerifier returns a Verifier of the WorkOS-Signature header. Each
// secret is an endpoint's webhook secret used as-is. A non-positive
// tolerance means DefaultTolerance; it bounds the timestamp in both
// directions.
func NewVerifier(secrets []string, tolerance time.Duration) platform.Verifier {
	return scheme.Verifier(secrets, sig.OrDefault(tolerance, DefaultTolerance))
}

// Signature returns the WorkOS-Signature value WorkOS would send for body
// at ts under secret: "t=<unix ms>, v1=<hex>".
func Signature(secret string, ts time.Time, body []byte) string {
	return scheme.Signature(secret, ts, body)
}

// sign is Platform.Sign: the WorkOS-Signature header at in.Now, or now if
// it is zero; the body as it is.
func sign(in platform.SignInput) (http.Header, []byte, error) {
	if in.Now.IsZero() {
		in.Now = time.Now()
	}
	return scheme.Sign(in)
}
