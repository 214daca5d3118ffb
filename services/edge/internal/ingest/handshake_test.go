package ingest

import (
	"net/http"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platforms"
)

func TestHandshake(t *testing.T) {
	t.Parallel()
	twitchVerify := http.Header{"Twitch-Eventsub-Message-Type": {"webhook_callback_verification"}}
	tests := []struct {
		name, platform string
		header         http.Header
		body           string
		challenge      string
		format         string
		ok             bool
	}{
		{"slack url_verification", "slack", nil, `{"type":"url_verification","challenge":"c1"}`, "c1", ChallengeJSON, true},
		{"slack event", "slack", nil, `{"type":"event_callback"}`, "", "", false},
		{"twitch challenge", "twitch", twitchVerify, `{"challenge":"pogchamp-kappa-360noscope-vohiyo","subscription":{"id":"s"}}`, "pogchamp-kappa-360noscope-vohiyo", ChallengeText, true},
		{"twitch notification with a challenge field", "twitch", http.Header{"Twitch-Eventsub-Message-Type": {"notification"}}, `{"challenge":"x"}`, "", "", false},
		{"twitch verification without challenge", "twitch", twitchVerify, `{}`, "", "", false},
		{"discord interaction PING", "discord", nil, `{"id":"1","application_id":"2","type":1,"token":"t","version":1}`, `{"type":1}`, ChallengeRawJSON, true},
		{"discord interaction command", "discord", nil, `{"id":"1","type":2,"token":"t","version":1}`, "", "", false},
		{"discord webhook-event PING", "discord", nil, `{"version":1,"application_id":"2","type":0}`, "", ChallengeEmpty, true},
		{"discord webhook EVENT (type 1) is an event", "discord", nil, `{"version":1,"application_id":"2","type":1,"event":{"type":"APPLICATION_AUTHORIZED"}}`, "", "", false},
		{"discord not json", "discord", nil, `x`, "", "", false},
		{"other platform", "stripe", twitchVerify, `{"type":"url_verification","challenge":"c"}`, "", "", false},
	}
	for _, tc := range tests {
		c, f, ok := handshake(registered(tc.platform), tc.header, []byte(tc.body))
		if c != tc.challenge || f != tc.format || ok != tc.ok {
			t.Errorf("%s: handshake = %q, %q, %v; want %q, %q, %v", tc.name, c, f, ok, tc.challenge, tc.format, tc.ok)
		}
	}
}

// registered is the registry's entry of name, or the zero Platform.
func registered(name string) platform.Platform {
	p, _ := platforms.Lookup(name)
	return p
}

func TestExternalURL(t *testing.T) {
	t.Parallel()
	local := New(Options{})
	if got := local.ExternalURL("localhost:8080", "/webhooks/square?a=%2F"); got != "http://localhost:8080/webhooks/square?a=%2F" {
		t.Errorf("ExternalURL = %q", got)
	}
	proxied := New(Options{PublicURL: "https://hooks.example.com/"})
	if got := proxied.ExternalURL("10.0.0.5:8080", "/webhooks/twilio"); got != "https://hooks.example.com/webhooks/twilio" {
		t.Errorf("ExternalURL = %q", got)
	}
}

// TestSlackHandshakeEscaped: the pre-check that skips decoding bodies
// without "url_verification" still finds one spelled with an escape.
func TestSlackHandshakeEscaped(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]bool{
		`{"type":"url_verification","challenge":"c"}`:         true,
		`{"type":"url\u005fverification","challenge":"c"}`:    true,
		`{"TYPE":"url_verification","challenge":"c"}`:         true,
		`{"type":"event_callback","challenge":"c"}`:           false,
		`{"type":"event_callback","text":"url_verification"}`: false,
		`{"type":"event\u005fcallback","challenge":"c"}`:      false,
	} {
		c, _, ok := handshake(registered("slack"), nil, []byte(body))
		if ok != want || (ok && c != "c") {
			t.Errorf("handshake(%s) = %q, %v; want %v", body, c, ok, want)
		}
	}
}
