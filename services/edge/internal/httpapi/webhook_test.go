package httpapi

import (
	"context"
	"encoding/json"
	"errors"
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
	"github.com/hookmesh/hookmesh/services/internal/platforms/slack"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

const slackSecret = "slack-unit"

func newServer(t *testing.T, led *ingesttest.Ledger, ready ReadyFunc) *httptest.Server {
	t.Helper()
	v, err := verify.New("slack", []string{slackSecret}, 0)
	if err != nil {
		t.Fatal(err)
	}
	svc := ingest.New(ingest.Options{
		Platforms:  []ingest.Platform{{Name: "slack", Verifier: v, MaxBodyBytes: 512}},
		Normalizer: &ingesttest.Normalizer{}, Ledger: led,
		NormalizeTimeout: time.Second, RecordTimeout: time.Second,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	h, err := NewPublic(svc, ready, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func send(t *testing.T, srv *httptest.Server, method, path, body string, sign bool, chunked bool) *http.Response {
	t.Helper()
	var r io.Reader = strings.NewReader(body)
	if chunked {
		r = io.MultiReader(strings.NewReader(body)) // unknown length: sent chunked
	}
	req, err := http.NewRequest(method, srv.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if sign {
		sig, ts := slack.Signature(slackSecret, time.Now(), []byte(body))
		req.Header.Set("X-Slack-Signature", sig)
		req.Header.Set("X-Slack-Request-Timestamp", ts)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestWebhookStatuses(t *testing.T) {
	t.Parallel()
	ok := func(context.Context) error { return nil }
	event := `{"type":"event_callback","event_id":"Ev1","team_id":"T1","event":{"type":"message"}}`
	big := `{"event_id":"Ev2","pad":"` + strings.Repeat("x", 600) + `"}`
	tests := []struct {
		name    string
		method  string
		path    string
		body    string
		sign    bool
		chunked bool
		ledger  *ingesttest.Ledger
		want    int
		check   func(t *testing.T, resp *http.Response, body []byte)
	}{
		{name: "accepted", method: "POST", path: "/webhooks/slack", body: event, sign: true, want: 202,
			check: func(t *testing.T, _ *http.Response, b []byte) {
				var got map[string]any
				if err := json.Unmarshal(b, &got); err != nil || got["status"] != "accepted" || got["event_id"] != "Ev1" || got["duplicate"] != false {
					t.Errorf("202 body = %s", b)
				}
			}},
		{name: "bad signature", method: "POST", path: "/webhooks/slack", body: event, want: 401,
			check: func(t *testing.T, _ *http.Response, b []byte) {
				if !strings.Contains(string(b), "invalid signature") {
					t.Errorf("401 body = %s", b)
				}
			}},
		{name: "unknown platform", method: "POST", path: "/webhooks/nope", body: event, sign: true, want: 404},
		{name: "wrong method", method: "GET", path: "/webhooks/slack", want: 405},
		{name: "too large by length", method: "POST", path: "/webhooks/slack", body: big, sign: true, want: 413},
		{name: "too large chunked", method: "POST", path: "/webhooks/slack", body: big, sign: true, chunked: true, want: 413},
		{name: "ledger down", method: "POST", path: "/webhooks/slack", body: event, sign: true, want: 503,
			ledger: &ingesttest.Ledger{Err: status.Error(codes.Unavailable, "down")},
			check: func(t *testing.T, resp *http.Response, _ []byte) {
				if resp.Header.Get("Retry-After") != "5" {
					t.Errorf("Retry-After = %q, want 5", resp.Header.Get("Retry-After"))
				}
			}},
		{name: "challenge", method: "POST", path: "/webhooks/slack", body: `{"type":"url_verification","challenge":"abc123"}`, sign: true, want: 200,
			check: func(t *testing.T, _ *http.Response, b []byte) {
				if !strings.Contains(string(b), `"challenge":"abc123"`) {
					t.Errorf("challenge body = %s", b)
				}
			}},
		{name: "health", method: "GET", path: "/health", want: 200},
		{name: "ready", method: "GET", path: "/ready", want: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			led := tt.ledger
			if led == nil {
				led = &ingesttest.Ledger{}
			}
			srv := newServer(t, led, ok)
			resp := send(t, srv, tt.method, tt.path, tt.body, tt.sign, tt.chunked)
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.want {
				t.Fatalf("status = %d, want %d (%s)", resp.StatusCode, tt.want, b)
			}
			if tt.check != nil {
				tt.check(t, resp, b)
			}
			if tt.want != 202 && len(led.Recorded()) != 0 {
				t.Errorf("a rejected request was recorded")
			}
		})
	}
}

func TestNotReady(t *testing.T) {
	t.Parallel()
	srv := newServer(t, &ingesttest.Ledger{}, func(context.Context) error { return errors.New("ledger: connection refused") })
	resp := send(t, srv, "GET", "/ready", "", false, false)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("ready with a dependency down = %d, want 503", resp.StatusCode)
	}
}
