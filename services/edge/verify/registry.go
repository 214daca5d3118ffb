package verify

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	registry "github.com/hookmesh/hookmesh/services/internal/platforms"
)

// platforms lists the names New and Sign accept, sorted, as Platforms
// reports them: the registered platforms (services/internal/platforms).
var platforms = registry.Names()

// Platforms returns the platform names New and Sign accept, sorted. The
// slice is a copy the caller may keep.
func Platforms() []string {
	return append([]string(nil), platforms...)
}

// Asymmetric reports whether platform is verified with the sender's public
// key (discord, sendgrid): its configured secret is the public key, and
// Sign and SignRequest take the private key instead (see DevKeyPair).
func Asymmetric(platform string) bool {
	p, ok := registry.Lookup(platform)
	return ok && p.Asymmetric
}

// SignsURL reports whether platform signs the request URL (hubspot,
// square, twilio): Verify needs Request.URL, and signing needs the URL the
// request is sent to (SignInput.URL; Sign assumes DefaultURL).
func SignsURL(platform string) bool {
	p, ok := registry.Lookup(platform)
	return ok && p.SignsURL
}

// signsInBody reports whether platform's signature is inside the body.
func signsInBody(platform string) bool {
	p, ok := registry.Lookup(platform)
	return ok && p.BodySigned
}

// New returns the Verifier for a platform name (one of Platforms(); exact,
// lower case, as in the URL path). A zero tolerance means the platform's
// default; it is ignored by platforms that sign no timestamp. An unknown
// platform wraps apperr.ErrNotFound (the edge answers 404); no non-empty
// secret, a negative tolerance or a secret that does not decode
// (Standard Webhooks base64, Adyen hex, Discord and SendGrid public keys)
// wraps apperr.ErrInvalid, so misconfiguration fails at start-up.
func New(platform string, secrets []string, tolerance time.Duration) (Verifier, error) {
	if !known(platform) {
		return nil, fmt.Errorf("verify: platform %q: %w", platform, apperr.ErrNotFound)
	}
	if tolerance < 0 {
		return nil, fmt.Errorf("verify: %s: negative tolerance %v: %w", platform, tolerance, apperr.ErrInvalid)
	}
	if len(sig.KeyList(secrets)) == 0 {
		return nil, fmt.Errorf("verify: %s: no secrets: %w", platform, apperr.ErrInvalid)
	}
	v, err := build(platform, secrets, tolerance)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	return v, nil
}

func build(platform string, secrets []string, tol time.Duration) (Verifier, error) {
	p, ok := registry.Lookup(platform)
	if !ok {
		return nil, fmt.Errorf("%s: %w", platform, apperr.ErrNotFound)
	}
	v, err := p.NewVerifier(secrets, tol)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", platform, err)
	}
	return v, nil
}

func known(platform string) bool {
	_, ok := slices.BinarySearch(platforms, platform)
	return ok
}

// DefaultURL is the URL Sign signs for the presets that sign it (hubspot,
// square, twilio): the edge of `make run` as a local client reaches it,
// "http://localhost:8080/webhooks/<platform>". Anything else needs
// SignRequest with the real URL.
func DefaultURL(name string) string { return platform.DefaultURL(name) }

// SignInput is what SignRequest signs (platform.SignInput).
type SignInput = platform.SignInput

// Sign returns the headers a real sender of platform sets to sign body at
// now under secret, so tools can send webhooks the edge will accept. It is
// SignRequest with the default method and URL (see DefaultURL) for the
// presets whose signature is in headers; adyen and mailgun sign inside the
// body, so Sign refuses them (apperr.ErrInvalid) and SignRequest returns
// their signed body. For discord the secret is the Ed25519 private key (a
// 32-byte seed or 64-byte key, hex or base64); for sendgrid the ECDSA
// P-256 private key, base64 DER in PKCS#8 or SEC 1 form. The headers per
// platform:
//
//   - registered platforms (services/internal/platforms): their own Sign
//   - standard: webhook-id = id (required: it is signed), webhook-timestamp,
//     webhook-signature; svix, clerk, resend: the same under svix-* names
//   - twitch: Twitch-Eventsub-Message-Id = id (required), -Timestamp,
//     -Signature, and -Type "notification"
//   - discord: X-Signature-Ed25519, X-Signature-Timestamp
//
// Other event-type headers depend on the payload and are the caller's to
// set. An unknown platform wraps apperr.ErrNotFound; an empty secret, a
// missing id where it is signed or a secret that does not decode wraps
// apperr.ErrInvalid.
func Sign(platform, secret string, now time.Time, id string, body []byte) (http.Header, error) {
	if known(platform) && signsInBody(platform) {
		return nil, fmt.Errorf("sign: %s signs inside the body: use SignRequest, which returns the body to send: %w", platform, apperr.ErrInvalid)
	}
	h, _, err := SignRequest(platform, SignInput{Secret: secret, Now: now, ID: id, Body: body})
	return h, err
}

// SignRequest signs a request for platform as Sign does, and also for
// adyen (every NotificationRequestItem gets additionalData.hmacSignature)
// and mailgun (the body gets its signature object, or form fields, with a
// fresh token). It returns the headers to set and the body to send: the
// input body, except for those two, whose re-encoded body has its JSON
// keys (or form fields) sorted.
func SignRequest(platform string, in SignInput) (http.Header, []byte, error) {
	if !known(platform) {
		return nil, nil, fmt.Errorf("sign: platform %q: %w", platform, apperr.ErrNotFound)
	}
	if in.Secret == "" {
		// Verifiers drop empty secrets, so this could only produce a
		// webhook nobody accepts.
		return nil, nil, fmt.Errorf("sign: %s: empty secret: %w", platform, apperr.ErrInvalid)
	}
	if in.Now.IsZero() {
		in.Now = time.Now()
	}
	p, _ := registry.Lookup(platform) // known
	h, body, err := p.Sign(in)
	if err != nil {
		return nil, nil, fmt.Errorf("sign: %s: %w", platform, err)
	}
	return h, body, nil
}
