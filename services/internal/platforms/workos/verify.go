package workos

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
	name   = "workos"
	header = "WorkOS-Signature"
)

// DefaultTolerance is the WorkOS SDKs' default window (180 seconds in
// workos-node, workos-ruby and workos-elixir). We apply it in both
// directions.
const DefaultTolerance = 180 * time.Second

type verifier struct {
	keys [][]byte
	tol  time.Duration
}

// NewVerifier returns a Verifier of the WorkOS-Signature header. Each
// secret is an endpoint's webhook secret used as-is. A non-positive
// tolerance means DefaultTolerance; it bounds the timestamp in both
// directions.
func NewVerifier(secrets []string, tolerance time.Duration) platform.Verifier {
	return &verifier{keys: sig.KeyList(secrets), tol: sig.OrDefault(tolerance, DefaultTolerance)}
}

// Verify checks the WorkOS-Signature header of r.
func (v *verifier) Verify(r platform.Request) error {
	if len(v.keys) == 0 {
		return sig.Fail(name, sig.ReasonNoSecrets)
	}
	h := r.HeaderValue(header)
	if h == "" {
		return sig.Fail(name, "missing WorkOS-Signature header")
	}
	t, sigs, reason := sig.ParseTV1(h, sha256.Size)
	if reason != "" {
		return sig.Fail(name, reason)
	}
	ms, _ := sig.ParseDigits(t) // validated by the parser
	if err := sig.CheckWindowTime(name, time.UnixMilli(ms), r.NowOrClock(), v.tol); err != nil {
		return err
	}
	if !sig.MatchAny(v.keys, sigs, []byte(t), []byte("."), r.Body) {
		return sig.Fail(name, "no v1 match")
	}
	return nil
}

// Signature returns the WorkOS-Signature value WorkOS would send for body
// at ts under secret: "t=<unix ms>, v1=<hex>".
func Signature(secret string, ts time.Time, body []byte) string {
	t := strconv.FormatInt(ts.UnixMilli(), 10)
	return "t=" + t + ", v1=" + hex.EncodeToString(sig.MAC([]byte(secret), []byte(t), []byte("."), body))
}

// sign is Platform.Sign: the WorkOS-Signature header; the body as it is.
func sign(in platform.SignInput) (http.Header, []byte, error) {
	now := in.Now
	if now.IsZero() {
		now = time.Now()
	}
	h := http.Header{}
	h.Set(header, Signature(in.Secret, now, in.Body))
	return h, in.Body, nil
}

func newVerifier(secrets []string, tolerance time.Duration) (platform.Verifier, error) {
	return NewVerifier(secrets, tolerance), nil
}
