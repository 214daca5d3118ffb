package verify

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
)

// platforms lists the names New and Sign accept, in the order Platforms
// reports them.
var platforms = []string{githubPlatform, shopifyPlatform, slackPlatform, standardPlatform, stripePlatform}

// Platforms returns the platform names New and Sign accept, sorted. The
// slice is a copy the caller may keep.
func Platforms() []string {
	return append([]string(nil), platforms...)
}

// New returns the Verifier for a platform name ("github", "shopify",
// "slack", "standard", "stripe"; exact, lower case, as in the URL path).
// A zero tolerance means the platform's default; it is ignored by GitHub
// and Shopify, which sign no timestamp. An unknown platform wraps
// apperr.ErrNotFound (the edge answers 404); no non-empty secret, a
// negative tolerance or an undecodable Standard Webhooks secret wraps
// apperr.ErrInvalid, so misconfiguration fails at start-up.
func New(platform string, secrets []string, tolerance time.Duration) (Verifier, error) {
	if !known(platform) {
		return nil, fmt.Errorf("verify: platform %q: %w", platform, apperr.ErrNotFound)
	}
	if tolerance < 0 {
		return nil, fmt.Errorf("verify: %s: negative tolerance %v: %w", platform, tolerance, apperr.ErrInvalid)
	}
	if len(keyList(secrets)) == 0 {
		return nil, fmt.Errorf("verify: %s: no secrets: %w", platform, apperr.ErrInvalid)
	}
	switch platform {
	case githubPlatform:
		return GitHub(secrets), nil
	case shopifyPlatform:
		return Shopify(secrets), nil
	case slackPlatform:
		return Slack(secrets, tolerance), nil
	case standardPlatform:
		v, err := Standard(secrets, tolerance)
		if err != nil {
			return nil, fmt.Errorf("verify: %w", err)
		}
		return v, nil
	default: // stripePlatform
		return Stripe(secrets, tolerance), nil
	}
}

func known(platform string) bool {
	for _, p := range platforms {
		if p == platform {
			return true
		}
	}
	return false
}

// Sign returns the headers a real sender of platform sets to sign body at
// now under secret, so tools can send webhooks the edge will accept:
//
//   - stripe: Stripe-Signature
//   - github: X-Hub-Signature-256, and X-GitHub-Delivery = id if id is set
//   - shopify: X-Shopify-Hmac-Sha256, and X-Shopify-Event-Id = id if id is set
//   - slack: X-Slack-Signature, X-Slack-Request-Timestamp
//   - standard: webhook-id = id (required: it is signed), webhook-timestamp,
//     webhook-signature
//
// Stripe and Slack carry their event id in the body, so id is unused there.
// Event-type headers (X-GitHub-Event, X-Shopify-Topic) depend on the payload
// and are the caller's to set. An unknown platform wraps apperr.ErrNotFound;
// an empty secret, a missing Standard Webhooks id or an undecodable Standard
// Webhooks secret wraps apperr.ErrInvalid.
func Sign(platform, secret string, now time.Time, id string, body []byte) (http.Header, error) {
	if !known(platform) {
		return nil, fmt.Errorf("sign: platform %q: %w", platform, apperr.ErrNotFound)
	}
	if secret == "" {
		// Verifiers drop empty secrets, so this could only produce a
		// webhook nobody accepts.
		return nil, fmt.Errorf("sign: %s: empty secret: %w", platform, apperr.ErrInvalid)
	}
	h := http.Header{}
	switch platform {
	case githubPlatform:
		h.Set(githubHeader, SignGitHub(secret, body))
		if id != "" {
			h.Set(githubDelivery, id)
		}
	case shopifyPlatform:
		h.Set(shopifyHeader, SignShopify(secret, body))
		if id != "" {
			h.Set(shopifyEventID, id)
		}
	case slackPlatform:
		sig, ts := SignSlack(secret, now, body)
		h.Set(slackSignatureHeader, sig)
		h.Set(slackTimestampHeader, ts)
	case standardPlatform:
		if id == "" {
			return nil, fmt.Errorf("sign: standard: empty webhook id: %w", apperr.ErrInvalid)
		}
		sig, err := SignStandard(secret, id, now, body)
		if err != nil {
			return nil, fmt.Errorf("sign: standard: %w", err)
		}
		h.Set(webhookNames.id, id)
		h.Set(webhookNames.timestamp, strconv.FormatInt(now.Unix(), 10))
		h.Set(webhookNames.signature, sig)
	default: // stripePlatform
		h.Set(stripeHeader, SignStripe(secret, now, body))
	}
	return h, nil
}
