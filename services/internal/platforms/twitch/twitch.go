// Package twitch is Twitch EventSub over webhooks: the
// Twitch-Eventsub-Message-Signature scheme (HMAC-SHA256 of message id,
// timestamp and body, a 10-minute window), the message id header as the
// dedup key, the webhook_callback_verification handshake (answered with
// the raw challenge as text), the normalization of notifications,
// verifications and revocations and their mapping, and sample
// notifications.
package twitch

import (
	"embed"
	"encoding/json"
	"net/http"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
)

//go:embed testdata
var testdata embed.FS

// Platform is Twitch, as the registry lists it.
var Platform = platform.Platform{
	Name:             twitchPlatform,
	NewVerifier:      platform.Windowed(NewVerifier),
	Sign:             sign,
	DefaultTolerance: DefaultTolerance,
	Key:              key,
	Handshake:        handshake,
	Normalize:        normalize,
	Mapping:          mapping,
	Samples:          samples,
	TestData:         testdata,
}

// key is Twitch-Eventsub-Message-Id: Twitch resends a message with the
// same id.
func key(headers map[string]string, _ []byte) (eventid.Key, error) {
	return eventid.Key{EventID: headers["twitch-eventsub-message-id"]}, nil
}

// handshake answers EventSub's webhook_callback_verification with its
// challenge, as text.
func handshake(h http.Header, body []byte) (challenge, format string, ok bool) {
	if h.Get(twitchTypeHeader) != twitchVerification {
		return "", "", false
	}
	var v struct {
		Challenge string `json:"challenge"`
	}
	if json.Unmarshal(body, &v) != nil || v.Challenge == "" {
		return "", "", false
	}
	return v.Challenge, platform.ChallengeText, true
}
