package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/edge/internal/ingest"
	"github.com/hookmesh/hookmesh/services/edge/internal/ingest/ingesttest"
	"github.com/hookmesh/hookmesh/services/edge/verify"
)

// TestGETHandshake: Okta's one-time verification is a GET carrying
// X-Okta-Verification-Challenge; the edge routes GET to the platforms
// whose handshake is one (Okta), answers it after the Authorization check,
// records nothing, refuses a GET that is not the handshake, and keeps the
// 405 for every other platform's GET.
func TestGETHandshake(t *testing.T) {
	t.Parallel()
	var platforms []ingest.Platform
	for name, secret := range map[string]string{"okta": "Basic b2t0YTp1bml0", "stripe": "whsec_unit"} {
		v, err := verify.New(name, []string{secret}, 0)
		if err != nil {
			t.Fatal(err)
		}
		platforms = append(platforms, ingest.Platform{Name: name, Verifier: v, MaxBodyBytes: 4096})
	}
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	ledger := &ingesttest.Ledger{}
	svc := ingest.New(ingest.Options{
		Platforms: platforms, Normalizer: &ingesttest.Normalizer{}, Ledger: ledger,
		NormalizeTimeout: time.Second, RecordTimeout: time.Second, Log: discard,
	})
	h, err := NewPublic(svc, func(context.Context) error { return nil }, discard)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	get := func(path string, hd map[string]string) (int, string, http.Header) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		for k, v := range hd {
			req.Header.Set(k, v)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}

	code, body, hd := get("/webhooks/okta", map[string]string{"Authorization": "Basic b2t0YTp1bml0", "X-Okta-Verification-Challenge": "TmH3AkKd3Xz1l8XnJ8BH"})
	if code != http.StatusOK || body != `{"verification":"TmH3AkKd3Xz1l8XnJ8BH"}` || hd.Get("Content-Type") != "application/json" {
		t.Errorf("okta verification: %d %q %q", code, hd.Get("Content-Type"), body)
	}
	if code, body, _ = get("/webhooks/okta", map[string]string{"X-Okta-Verification-Challenge": "TmH3AkKd3Xz1l8XnJ8BH"}); code != http.StatusUnauthorized {
		t.Errorf("okta verification without the secret: %d %s", code, body)
	}
	if code, body, _ = get("/webhooks/okta", map[string]string{"Authorization": "Basic b2t0YTp1bml0"}); code != http.StatusBadRequest {
		t.Errorf("okta GET that is not the handshake: %d %s", code, body)
	}
	if code, _, hd = get("/webhooks/stripe", map[string]string{"X-Okta-Verification-Challenge": "x"}); code != http.StatusMethodNotAllowed || hd.Get("Allow") != http.MethodPost {
		t.Errorf("stripe GET: %d Allow %q, want 405 Allow POST", code, hd.Get("Allow"))
	}
	if code, _, _ = get("/webhooks/nosuch", nil); code != http.StatusMethodNotAllowed {
		t.Errorf("GET of an unknown platform: %d, want 405", code)
	}
	if n := len(ledger.Recorded()); n != 0 {
		t.Errorf("%d GETs recorded: a GET is never recorded", n)
	}
}
