package verify

import (
	"crypto/sha256"
	"encoding/base64"
	"time"
)

const (
	zendeskPlatform         = "zendesk"
	zendeskSignatureHeader  = "X-Zendesk-Webhook-Signature"
	zendeskTimestampHeader  = "X-Zendesk-Webhook-Signature-Timestamp"
	zendeskInvocationHeader = "X-Zendesk-Webhook-Invocation-Id"
	zendeskTimeLayout       = "2006-01-02T15:04:05Z"
	maxRFC3339Len           = 64
)

// DefaultZendeskTolerance is our choice: Zendesk documents that its signed
// timestamp protects against replays but gives no window, so we use the
// 5 minutes, both directions, common to the other platforms.
const DefaultZendeskTolerance = 5 * time.Minute

type zendeskVerifier struct {
	keys [][]byte
	tol  time.Duration
}

// Zendesk returns a Verifier of Zendesk's X-Zendesk-Webhook-Signature
// header: base64 of the HMAC-SHA256 of the timestamp header's exact text
// (ISO 8601 / RFC 3339, e.g. "2021-03-25T05:09:27Z") followed directly by
// the raw body, keyed with the webhook's signing secret as-is.
func Zendesk(secrets []string, tolerance time.Duration) Verifier {
	return &zendeskVerifier{keys: keyList(secrets), tol: orDefault(tolerance, DefaultZendeskTolerance)}
}

func (v *zendeskVerifier) Verify(r Request) error {
	if len(v.keys) == 0 {
		return fail(zendeskPlatform, reasonNoSecrets)
	}
	h := r.HeaderValue(zendeskSignatureHeader)
	if h == "" {
		return fail(zendeskPlatform, "missing X-Zendesk-Webhook-Signature header")
	}
	t := r.HeaderValue(zendeskTimestampHeader)
	if t == "" {
		return fail(zendeskPlatform, "missing X-Zendesk-Webhook-Signature-Timestamp header")
	}
	at, ok := parseRFC3339(t)
	if !ok {
		return fail(zendeskPlatform, reasonBadTimestamp)
	}
	sig, ok := decodeBase64N(h, sha256.Size)
	if !ok {
		return fail(zendeskPlatform, reasonMalformed)
	}
	if err := checkWindowTime(zendeskPlatform, at, r.NowOrClock(), v.tol); err != nil {
		return err
	}
	if !matchAny(v.keys, [][]byte{sig}, []byte(t), r.Body) {
		return fail(zendeskPlatform, "no signature match")
	}
	return nil
}

// parseRFC3339 parses a bounded RFC 3339 timestamp (fractional seconds
// allowed, as Twitch sends).
func parseRFC3339(s string) (time.Time, bool) {
	if len(s) > maxRFC3339Len {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// SignZendesk returns the X-Zendesk-Webhook-Signature and
// X-Zendesk-Webhook-Signature-Timestamp values Zendesk would send.
func SignZendesk(secret string, ts time.Time, body []byte) (signature, timestamp string) {
	timestamp = ts.UTC().Format(zendeskTimeLayout)
	return base64.StdEncoding.EncodeToString(mac([]byte(secret), []byte(timestamp), body)), timestamp
}
