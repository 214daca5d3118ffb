package twitch

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"fmt"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	twitchPlatform        = "twitch"
	twitchIDHeader        = "Twitch-Eventsub-Message-Id"
	twitchTimestampHeader = "Twitch-Eventsub-Message-Timestamp"
	twitchSignatureHeader = "Twitch-Eventsub-Message-Signature"
	twitchTypeHeader      = "Twitch-Eventsub-Message-Type"
)

// DefaultTolerance is the 10 minutes Twitch's EventSub docs give: reject a
// message whose timestamp is older than that.
const DefaultTolerance = 10 * time.Minute

type twitchVerifier struct {
	keys [][]byte
	tol  time.Duration
}

// NewVerifier returns a Verifier of Twitch EventSub webhook messages:
// header Twitch-Eventsub-Message-Signature "sha256=<hex>", the HMAC-SHA256
// of message id + timestamp + raw body (no separators), keyed with the
// subscription's secret. The timestamp is RFC 3339 with nanoseconds; the
// window defaults to DefaultTolerance, both directions.
func NewVerifier(secrets []string, tolerance time.Duration) platform.Verifier {
	return &twitchVerifier{keys: sig.KeyList(secrets), tol: sig.OrDefault(tolerance, DefaultTolerance)}
}

// Verify checks the Twitch-Eventsub-Message-Signature of r.
func (v *twitchVerifier) Verify(r platform.Request) error {
	if len(v.keys) == 0 {
		return sig.Fail(twitchPlatform, sig.ReasonNoSecrets)
	}
	h := r.HeaderValue(twitchSignatureHeader)
	if h == "" {
		return sig.Fail(twitchPlatform, "missing Twitch-Eventsub-Message-Signature header")
	}
	id, t := r.HeaderValue(twitchIDHeader), r.HeaderValue(twitchTimestampHeader)
	switch {
	case id == "":
		return sig.Fail(twitchPlatform, "missing Twitch-Eventsub-Message-Id header")
	case t == "":
		return sig.Fail(twitchPlatform, "missing Twitch-Eventsub-Message-Timestamp header")
	}
	at, ok := sig.ParseRFC3339(t)
	if !ok {
		return sig.Fail(twitchPlatform, sig.ReasonBadTimestamp)
	}
	mac, ok := sig.DecodeHexN(h, "sha256=", sha256.Size)
	if !ok {
		return sig.Fail(twitchPlatform, sig.ReasonMalformed)
	}
	if err := sig.CheckWindowTime(twitchPlatform, at, r.NowOrClock(), v.tol); err != nil {
		return err
	}
	if !sig.MatchAny(v.keys, [][]byte{mac}, []byte(id), []byte(t), r.Body) {
		return sig.Fail(twitchPlatform, "no sha256 match")
	}
	return nil
}

// Signature returns the Twitch-Eventsub-Message-Signature and
// Twitch-Eventsub-Message-Timestamp values Twitch would send for message
// id and body at ts under secret.
func Signature(secret, id string, ts time.Time, body []byte) (signature, timestamp string) {
	timestamp = ts.UTC().Format(time.RFC3339Nano)
	mac := sig.MAC([]byte(secret), []byte(id), []byte(timestamp), body)
	return "sha256=" + hex.EncodeToString(mac), timestamp
}

// sign is Platform.Sign: the message id (required: it is signed),
// timestamp, signature and the message type of a notification.
func sign(in platform.SignInput) (http.Header, []byte, error) {
	if in.ID == "" {
		return nil, nil, fmt.Errorf("empty message id: %w", apperr.ErrInvalid)
	}
	s, ts := Signature(in.Secret, in.ID, in.Now, in.Body)
	return platform.Headers(twitchIDHeader, in.ID, twitchTimestampHeader, ts, twitchSignatureHeader, s, twitchTypeHeader, "notification"), in.Body, nil
}
