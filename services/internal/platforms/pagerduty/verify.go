package pagerduty

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	name = "pagerduty"
	// header carries "v1=<hex>" entries separated by commas: one per
	// active secret of the subscription.
	header = "X-PagerDuty-Signature"
	// idHeader is the webhook's id, the same on every attempt.
	idHeader = "X-Webhook-Id"
	// subscriptionHeader is the id of the webhook subscription.
	subscriptionHeader = "X-Webhook-Subscription"
)

type verifier struct {
	keys [][]byte
}

// NewVerifier returns a Verifier of X-PagerDuty-Signature: at least one
// v1 entry must be the hex HMAC-SHA256 of the raw body under one of the
// secrets (used as-is). PagerDuty signs no timestamp, so there is no
// replay window.
func NewVerifier(secrets []string) platform.Verifier {
	return &verifier{keys: sig.KeyList(secrets)}
}

// Verify checks the X-PagerDuty-Signature header of r.
func (v *verifier) Verify(r platform.Request) error {
	if len(v.keys) == 0 {
		return sig.Fail(name, sig.ReasonNoSecrets)
	}
	h := r.HeaderValue(header)
	if h == "" {
		return sig.Fail(name, "missing X-PagerDuty-Signature header")
	}
	sigs, reason := parseHeader(h)
	if reason != "" {
		return sig.Fail(name, reason)
	}
	if !sig.MatchAny(v.keys, sigs, r.Body) {
		return sig.Fail(name, "no v1 match")
	}
	return nil
}

// parseHeader returns the decoded v1 signatures. Like go-pagerduty it
// splits on "," and keeps the "v1=" entries whose value is hex, ignoring
// the others (a future scheme must not fail today's check); unlike it, it
// tolerates spaces around entries (the docs print the header wrapped) and
// stops at sig.MaxEntries.
func parseHeader(h string) (sigs [][]byte, reason string) {
	n := 0
	for rest, more := h, true; more; {
		var item string
		item, rest, more = strings.Cut(rest, ",")
		if n++; n > sig.MaxEntries {
			return nil, sig.ReasonTooMany
		}
		if b, ok := sig.DecodeHexN(strings.Trim(item, " \t"), "v1=", sha256.Size); ok {
			sigs = append(sigs, b)
		}
	}
	if len(sigs) == 0 {
		return nil, "no v1 signature"
	}
	return sigs, ""
}

// Signature returns the X-PagerDuty-Signature value PagerDuty would send
// for body while the given secrets are active: "v1=<hex>" for each,
// comma-separated.
func Signature(body []byte, secrets ...string) string {
	entries := make([]string, len(secrets))
	for i, s := range secrets {
		entries[i] = "v1=" + hex.EncodeToString(sig.MAC([]byte(s), body))
	}
	return strings.Join(entries, ",")
}

// sign is Platform.Sign: the signature and, when in.ID is set, the
// X-Webhook-Id header; the body as it is.
func sign(in platform.SignInput) (http.Header, []byte, error) {
	h := http.Header{}
	h.Set(header, Signature(in.Body, in.Secret))
	if in.ID != "" {
		h.Set(idHeader, in.ID)
	}
	return h, in.Body, nil
}
