// Package discord is Discord's Interactions Endpoint and Event Webhooks:
// Ed25519 signatures verified with the application's public key
// (Asymmetric: the configured secret is the public key, Sign takes the
// private key), the interaction id scoped by the application as the dedup
// key (a webhook event, which has no id, by its content), the PING
// handshakes, the normalization of interactions and webhook events and
// their mapping, and sample requests.
package discord

import (
	"embed"
	"encoding/json"
	"net/http"

	"github.com/hookmesh/hookmesh/services/internal/dotpath"
	"github.com/hookmesh/hookmesh/services/internal/jsonscan"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
)

//go:embed testdata
var testdata embed.FS

// Platform is Discord, as the registry lists it.
var Platform = platform.Platform{
	Name:             discordPlatform,
	NewVerifier:      NewVerifier,
	Sign:             sign,
	DefaultTolerance: DefaultTolerance,
	Asymmetric:       true,
	Key:              key,
	Handshake:        handshake,
	Normalize:        normalize,
	Mapping:          mapping,
	Samples:          samples,
	TestKeys:         testKeys(),
	TestData:         testdata,
}

// keyFields are the top-level fields key reads, compiled once.
var keyFields = dotpath.CompileMembers([][]string{{"id"}, {"application_id"}})

// key is an interaction's id scoped by its application. Webhook events
// carry no id, and Discord signs a fresh timestamp per attempt but resends
// the same body, so the content key is their stable id: any JSON body
// without an id (an array too) is an event.
func key(_ map[string]string, body []byte) (eventid.Key, error) {
	var buf [2][]byte
	f := eventid.TopFields(body, keyFields, buf[:0])
	k := eventid.Key{EventID: eventid.Encode(eventid.RawText(f[0])), Source: eventid.Encode(eventid.RawText(f[1]))}
	if k.EventID == "" && jsonscan.Valid(body) {
		k.EventID = eventid.ContentKey(body).EventID
	}
	return k, nil
}

// handshake answers Discord's PINGs: an interaction of type 1 with
// {"type":1}, a webhook event of type 0 with 204 and no body.
func handshake(_ http.Header, body []byte) (challenge, format string, ok bool) {
	var v struct {
		Type *int `json:"type"`
		// Interactions carry an id and a token; webhook events neither
		// (their type 1 is an EVENT, not a PING).
		ID    string          `json:"id"`
		Token string          `json:"token"`
		Event json.RawMessage `json:"event"`
	}
	if json.Unmarshal(body, &v) != nil || v.Type == nil {
		return "", "", false
	}
	interaction := v.ID != "" || v.Token != ""
	switch {
	case interaction && *v.Type == 1: // interaction PING
		return `{"type":1}`, platform.ChallengeRawJSON, true
	case !interaction && *v.Type == 0 && v.Event == nil: // webhook-event PING
		return "", platform.ChallengeEmpty, true
	}
	return "", "", false
}
