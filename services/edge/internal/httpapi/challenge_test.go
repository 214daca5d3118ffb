package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/edge/internal/ingest"
	"github.com/hookmesh/hookmesh/services/edge/internal/ingest/ingesttest"
	"github.com/hookmesh/hookmesh/services/edge/verify"
)

// TestHandshakeAnswers checks the HTTP shape of each handshake and that
// the URL a URL-signing platform signed reaches the verifier.
func TestHandshakeAnswers(t *testing.T) {
	t.Parallel()
	discordPub, discordPriv, err := verify.DevKeyPair("discord")
	if err != nil {
		t.Fatal(err)
	}
	var platforms []ingest.Platform
	for name, secret := range map[string]string{"twitch": "twitch-unit", "discord": discordPub, "square": "square-unit"} {
		v, err := verify.New(name, []string{secret}, 0)
		if err != nil {
			t.Fatal(err)
		}
		platforms = append(platforms, ingest.Platform{Name: name, Verifier: v, MaxBodyBytes: 4096})
	}
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := ingest.New(ingest.Options{
		Platforms: platforms, Normalizer: &ingesttest.Normalizer{}, Ledger: &ingesttest.Ledger{},
		NormalizeTimeout: time.Second, RecordTimeout: time.Second, Log: discard,
		PublicURL: "https://hooks.example.com",
	})
	h, err := NewPublic(svc, func(context.Context) error { return nil }, discard)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	post := func(path, body string, hd http.Header) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
		for k, vs := range hd {
			req.Header[k] = vs
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	read := func(r *http.Response) string { b, _ := io.ReadAll(r.Body); return string(b) }

	// Twitch: the raw challenge, text/plain.
	body := `{"challenge":"pogchamp-kappa-360noscope-vohiyo","subscription":{"id":"s1"}}`
	hd, err := verify.Sign("twitch", "twitch-unit", time.Now(), "m-1", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	hd.Set("Twitch-Eventsub-Message-Type", "webhook_callback_verification")
	resp := post("/webhooks/twitch", body, hd)
	if got := read(resp); resp.StatusCode != 200 || got != "pogchamp-kappa-360noscope-vohiyo" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("twitch challenge: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), got)
	}

	// Discord: PONG.
	ping := `{"id":"1","application_id":"2","type":1,"token":"t","version":1}`
	hd, _ = verify.Sign("discord", discordPriv, time.Now(), "", []byte(ping))
	resp = post("/webhooks/discord", ping, hd)
	if got := read(resp); resp.StatusCode != 200 || got != `{"type":1}` || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("discord PONG: %d %q", resp.StatusCode, got)
	}
	// An unsigned PING gets 401, not a PONG.
	resp = post("/webhooks/discord", ping, nil)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unsigned discord PING: %d", resp.StatusCode)
	}

	// Square signs the public URL plus the request target, not the
	// address the test server listens on.
	event := `{"event_id":"e-1","merchant_id":"M"}`
	hd, _, _ = verify.SignRequest("square", verify.SignInput{Secret: "square-unit", Body: []byte(event), URL: "https://hooks.example.com/webhooks/square?x=%2F"})
	if resp = post("/webhooks/square?x=%2F", event, hd); resp.StatusCode != http.StatusAccepted {
		t.Errorf("square with the public URL: %d %s", resp.StatusCode, read(resp))
	}
	hd, _, _ = verify.SignRequest("square", verify.SignInput{Secret: "square-unit", Body: []byte(event), URL: srv.URL + "/webhooks/square"})
	if resp = post("/webhooks/square", event, hd); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("square signed for the internal URL: %d", resp.StatusCode)
	}
}
