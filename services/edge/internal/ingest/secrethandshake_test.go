package ingest

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/edge/internal/ingest/ingesttest"
	"github.com/hookmesh/hookmesh/services/edge/verify"
)

// platformService is a Service of one platform verified with secrets,
// recording into the returned ledger.
func platformService(t *testing.T, name string, secrets ...string) (*Service, Platform, *ingesttest.Ledger) {
	t.Helper()
	v, err := verify.New(name, secrets, 0)
	if err != nil {
		t.Fatal(err)
	}
	led := &ingesttest.Ledger{}
	p := Platform{Name: name, Verifier: v, MaxBodyBytes: 1024}
	svc := New(Options{
		Platforms: []Platform{p}, Normalizer: &ingesttest.Normalizer{}, Ledger: led,
		NormalizeTimeout: time.Second, RecordTimeout: time.Second,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	return svc, p, led
}

// TestSecretHandshake: Zoom's endpoint.url_validation is answered by its
// verifier (platform.SecretHandshaker) with the token's HMAC under the
// secret that signed it, and nothing is recorded; an unsigned one is
// refused before any answer.
func TestSecretHandshake(t *testing.T) {
	t.Parallel()
	const first, second = "zoom-first-token", "zoom-second-token"
	svc, p, led := platformService(t, "zoom", first, second)
	body := []byte(`{"payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"}, "event_ts": 1654503849680, "event": "endpoint.url_validation"}`)
	h, err := verify.Sign("zoom", second, time.Now(), "", body)
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.Ingest(context.Background(), p, Request{Header: h, Body: body, RemoteAddr: "192.0.2.1:5000"})
	if err != nil {
		t.Fatal(err)
	}
	// HMAC-SHA256("zoom-second-token", "qgg8vlvZRS6UYooatFL8Aw"), Python's
	// hmac module.
	const want = `{"encryptedToken":"12044ae5d456b1746240d96582f2795a3b94754e64468a1b39278d6b6f9c6d66","plainToken":"qgg8vlvZRS6UYooatFL8Aw"}`
	if res.Status != StatusChallenge || res.ChallengeFormat != ChallengeRawJSON || res.Challenge != want {
		t.Errorf("result = %+v, want the challenge %s", res, want)
	}
	if n := len(led.Recorded()); n != 0 {
		t.Errorf("%d records for a handshake, want none", n)
	}
	h.Set("X-Zm-Signature", "v0=00")
	if _, err := svc.Ingest(context.Background(), p, Request{Header: h, Body: body}); err != ErrSignature {
		t.Errorf("unsigned url_validation: err = %v, want ErrSignature", err)
	}
}

// TestNotionVerificationRequest: Notion's verification request, unsigned
// by design, is recorded (so the operator can read its token), and an
// unsigned request of any other shape is refused.
func TestNotionVerificationRequest(t *testing.T) {
	t.Parallel()
	svc, p, led := platformService(t, "notion", "secret_configured")
	body := []byte(`{"verification_token": "secret_tMrlL1qK5vuQAh1b6cZGhFChZTSYJlce98V0pYn7yBl"}`)
	res, err := svc.Ingest(context.Background(), p, Request{Header: http.Header{"Content-Type": {"application/json"}}, Body: body})
	if err != nil || res.Status != StatusAccepted {
		t.Fatalf("verification request: %+v, %v; want accepted", res, err)
	}
	if recs := led.Recorded(); len(recs) != 1 || string(recs[0].GetReceipt().GetBody()) != string(body) {
		t.Fatalf("recorded %v, want the verification request", recs)
	}
	event := []byte(`{"id": "367cba44-b6f3-4c92-81e7-6a2e9659efd4", "type": "page.created"}`)
	if _, err := svc.Ingest(context.Background(), p, Request{Header: http.Header{}, Body: event}); err != ErrSignature {
		t.Errorf("unsigned event: err = %v, want ErrSignature", err)
	}
}
