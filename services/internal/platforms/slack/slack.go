// Package slack is the Slack platform (Events API): the X-Slack-Signature
// scheme (v0, HMAC-SHA256 over "v0:<timestamp>:<body>", a timestamp
// window), event_id at the top of the body as the dedup key, the
// url_verification handshake, the normalization of event callbacks and
// their mapping, and sample events.
//
// Verification: headers X-Slack-Signature "v0=<hex>" and X-Slack-Request-Timestamp;
// the signed bytes are "v0:<timestamp>:<body>". The window defaults to
// DefaultTolerance, 5 minutes in either direction, as Slack documents.
package slack

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
)

//go:embed testdata
var testdata embed.FS

// Platform is Slack, as the registry lists it.
var Platform = platform.Platform{
	Name:             slackPlatform,
	NewVerifier:      platform.Windowed(NewVerifier),
	Sign:             Scheme.Sign,
	DefaultTolerance: DefaultTolerance,
	Key:              key,
	Handshake:        handshake,
	Normalize:        normalize,
	Mapping:          mapping,
	Samples:          samples,
	TestData:         testdata,
}

// key is event_id at the top of the body: Slack retries a callback with
// the same id.
func key(_ map[string]string, body []byte) (eventid.Key, error) {
	id, err := eventid.TopString(body, "event_id")
	if err != nil {
		return eventid.Key{}, fmt.Errorf("slack event id: %w: %v", apperr.ErrInvalid, err)
	}
	return eventid.Key{EventID: eventid.Encode(id)}, nil
}

// handshake answers Slack's url_verification with its challenge, in JSON.
func handshake(_ http.Header, body []byte) (challenge, format string, ok bool) {
	if !platform.MayContain(body, "url_verification") {
		return "", "", false
	}
	var v struct {
		Type      string `json:"type"`
		Challenge string `json:"challenge"`
	}
	if json.Unmarshal(body, &v) != nil || v.Type != "url_verification" {
		return "", "", false
	}
	return v.Challenge, platform.ChallengeJSON, true
}
