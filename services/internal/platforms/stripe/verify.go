package stripe

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	name   = "stripe"
	header = "Stripe-Signature"
)

// DefaultTolerance is stripe-go's DefaultTolerance. We apply it in both
// directions (see the package doc).
const DefaultTolerance = 300 * time.Second

type verifier struct {
	keys [][]byte
	tol  time.Duration
}

// NewVerifier returns a Verifier of the Stripe-Signature header. Each
// secret is an endpoint secret used as-is, whsec_ prefix included. A
// non-positive tolerance means DefaultTolerance; it bounds the timestamp
// in both directions.
func NewVerifier(secrets []string, tolerance time.Duration) platform.Verifier {
	return &verifier{keys: sig.KeyList(secrets), tol: sig.OrDefault(tolerance, DefaultTolerance)}
}

// Verify checks the Stripe-Signature header of r.
func (v *verifier) Verify(r platform.Request) error {
	if len(v.keys) == 0 {
		return sig.Fail(name, sig.ReasonNoSecrets)
	}
	h := r.HeaderValue(header)
	if h == "" {
		return sig.Fail(name, "missing Stripe-Signature header")
	}
	t, sigs, reason := sig.ParseTV1(h, sha256.Size)
	if reason != "" {
		return sig.Fail(name, reason)
	}
	ts, _ := sig.ParseUnix(t) // validated by the parser
	if err := sig.CheckWindow(name, ts, r.NowOrClock(), v.tol); err != nil {
		return err
	}
	if !sig.MatchAny(v.keys, sigs, []byte(t), []byte("."), r.Body) {
		return sig.Fail(name, "no v1 match")
	}
	return nil
}

// Signature returns the Stripe-Signature header value Stripe would send
// for body at ts under secret: "t=<unix>,v1=<hex>".
func Signature(secret string, ts time.Time, body []byte) string {
	t := strconv.FormatInt(ts.Unix(), 10)
	mac := sig.MAC([]byte(secret), []byte(t), []byte("."), body)
	return "t=" + t + ",v1=" + hex.EncodeToString(mac)
}

// sign is Platform.Sign: the Stripe-Signature header; the body is sent
// as it is.
func sign(in platform.SignInput) (http.Header, []byte, error) {
	return http.Header{header: {Signature(in.Secret, in.Now, in.Body)}}, in.Body, nil
}
