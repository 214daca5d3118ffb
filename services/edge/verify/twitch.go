package verify

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

const (
	twitchPlatform        = "twitch"
	twitchIDHeader        = "Twitch-Eventsub-Message-Id"
	twitchTimestampHeader = "Twitch-Eventsub-Message-Timestamp"
	twitchSignatureHeader = "Twitch-Eventsub-Message-Signature"
	twitchTypeHeader      = "Twitch-Eventsub-Message-Type"
)

// DefaultTwitchTolerance is the 10 minutes Twitch's EventSub docs give:
// reject a message whose timestamp is older than that.
const DefaultTwitchTolerance = 10 * time.Minute

type twitchVerifier struct {
	keys [][]byte
	tol  time.Duration
}

// Twitch returns a Verifier of Twitch EventSub webhook messages: header
// Twitch-Eventsub-Message-Signature "sha256=<hex>", the HMAC-SHA256 of
// message id + timestamp + raw body (no separators), keyed with the
// subscription's secret. The timestamp is RFC 3339 with nanoseconds; the
// window defaults to DefaultTwitchTolerance, both directions.
func Twitch(secrets []string, tolerance time.Duration) Verifier {
	return &twitchVerifier{keys: keyList(secrets), tol: orDefault(tolerance, DefaultTwitchTolerance)}
}

func (v *twitchVerifier) Verify(r Request) error {
	if len(v.keys) == 0 {
		return fail(twitchPlatform, reasonNoSecrets)
	}
	h := r.HeaderValue(twitchSignatureHeader)
	if h == "" {
		return fail(twitchPlatform, "missing Twitch-Eventsub-Message-Signature header")
	}
	id, t := r.HeaderValue(twitchIDHeader), r.HeaderValue(twitchTimestampHeader)
	switch {
	case id == "":
		return fail(twitchPlatform, "missing Twitch-Eventsub-Message-Id header")
	case t == "":
		return fail(twitchPlatform, "missing Twitch-Eventsub-Message-Timestamp header")
	}
	at, ok := parseRFC3339(t)
	if !ok {
		return fail(twitchPlatform, reasonBadTimestamp)
	}
	sig, ok := decodeHexN(h, "sha256=", sha256.Size)
	if !ok {
		return fail(twitchPlatform, reasonMalformed)
	}
	if err := checkWindowTime(twitchPlatform, at, r.NowOrClock(), v.tol); err != nil {
		return err
	}
	if !matchAny(v.keys, [][]byte{sig}, []byte(id), []byte(t), r.Body) {
		return fail(twitchPlatform, "no sha256 match")
	}
	return nil
}

// SignTwitch returns the Twitch-Eventsub-Message-Signature and
// Twitch-Eventsub-Message-Timestamp values Twitch would send for message
// id and body at ts under secret.
func SignTwitch(secret, id string, ts time.Time, body []byte) (signature, timestamp string) {
	timestamp = ts.UTC().Format(time.RFC3339Nano)
	sig := mac([]byte(secret), []byte(id), []byte(timestamp), body)
	return "sha256=" + hex.EncodeToString(sig), timestamp
}
