package zendesk

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	zendeskPlatform         = "zendesk"
	zendeskSignatureHeader  = "X-Zendesk-Webhook-Signature"
	zendeskTimestampHeader  = "X-Zendesk-Webhook-Signature-Timestamp"
	zendeskInvocationHeader = "X-Zendesk-Webhook-Invocation-Id"
	zendeskTimeLayout       = "2006-01-02T15:04:05Z"
)

// DefaultTolerance is our choice: Zendesk documents that its signed
// timestamp protects against replays but gives no window, so we use the
// 5 minutes, both directions, common to the other platforms.
const DefaultTolerance = 5 * time.Minute

type zendeskVerifier struct {
	keys [][]byte
	tol  time.Duration
}

// NewVerifier returns a Verifier of Zendesk's X-Zendesk-Webhook-Signature
// header: base64 of the HMAC-SHA256 of the timestamp header's exact text
// (ISO 8601 / RFC 3339, e.g. "2021-03-25T05:09:27Z") followed directly by
// the raw body, keyed with the webhook's signing secret as-is.
func NewVerifier(secrets []string, tolerance time.Duration) platform.Verifier {
	return &zendeskVerifier{keys: sig.KeyList(secrets), tol: sig.OrDefault(tolerance, DefaultTolerance)}
}

// Verify checks the X-Zendesk-Webhook-Signature of r.
func (v *zendeskVerifier) Verify(r platform.Request) error {
	if len(v.keys) == 0 {
		return sig.Fail(zendeskPlatform, sig.ReasonNoSecrets)
	}
	h := r.HeaderValue(zendeskSignatureHeader)
	if h == "" {
		return sig.Fail(zendeskPlatform, "missing X-Zendesk-Webhook-Signature header")
	}
	t := r.HeaderValue(zendeskTimestampHeader)
	if t == "" {
		return sig.Fail(zendeskPlatform, "missing X-Zendesk-Webhook-Signature-Timestamp header")
	}
	at, ok := sig.ParseRFC3339(t)
	if !ok {
		return sig.Fail(zendeskPlatform, sig.ReasonBadTimestamp)
	}
	mac, ok := sig.DecodeBase64N(h, sha256.Size)
	if !ok {
		return sig.Fail(zendeskPlatform, sig.ReasonMalformed)
	}
	if err := sig.CheckWindowTime(zendeskPlatform, at, r.NowOrClock(), v.tol); err != nil {
		return err
	}
	if !sig.MatchAny(v.keys, [][]byte{mac}, []byte(t), r.Body) {
		return sig.Fail(zendeskPlatform, "no signature match")
	}
	return nil
}

// Signature returns the X-Zendesk-Webhook-Signature and
// X-Zendesk-Webhook-Signature-Timestamp values Zendesk would send.
func Signature(secret string, ts time.Time, body []byte) (signature, timestamp string) {
	timestamp = ts.UTC().Format(zendeskTimeLayout)
	return base64.StdEncoding.EncodeToString(sig.MAC([]byte(secret), []byte(timestamp), body)), timestamp
}

// sign is Platform.Sign: the signature and timestamp headers, and
// X-Zendesk-Webhook-Invocation-Id = id when there is one.
func sign(in platform.SignInput) (http.Header, []byte, error) {
	s, ts := Signature(in.Secret, in.Now, in.Body)
	return platform.Headers(zendeskSignatureHeader, s, zendeskTimestampHeader, ts, zendeskInvocationHeader, in.ID), in.Body, nil
}
