package httpapi

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/edge/internal/ingest"
	"github.com/hookmesh/hookmesh/services/edge/internal/ingest/ingesttest"
	"github.com/hookmesh/hookmesh/services/edge/internal/ratelimit"
	"github.com/hookmesh/hookmesh/services/edge/verify"
	"github.com/hookmesh/hookmesh/services/internal/platforms/slack"
)

// fakeClock is a hand-advanced clock for the in-memory limiter.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// limitedServer serves slack (body cap 512) with opts filled in around
// the given limits and ledger.
func limitedServer(t *testing.T, led *ingesttest.Ledger, platformRule ratelimit.Rule, opts ingest.Options) (*httptest.Server, *ingest.Service) {
	t.Helper()
	v, err := verify.New("slack", []string{slackSecret}, 0)
	if err != nil {
		t.Fatal(err)
	}
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	opts.Platforms = []ingest.Platform{{Name: "slack", Verifier: v, MaxBodyBytes: 512, RateLimit: platformRule}}
	opts.Normalizer, opts.Ledger, opts.Log = &ingesttest.Normalizer{}, led, discard
	if opts.NormalizeTimeout == 0 {
		opts.NormalizeTimeout = time.Second
	}
	if opts.RecordTimeout == 0 {
		opts.RecordTimeout = 5 * time.Second
	}
	svc := ingest.New(opts)
	h, err := NewPublic(svc, func(context.Context) error { return nil }, discard)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, svc
}

func slackEvent(i int) string {
	return fmt.Sprintf(`{"type":"event_callback","event_id":"EvL%d","team_id":"T1","event":{"type":"message"}}`, i)
}

// postSlack sends body to /webhooks/slack, signed unless sign is false,
// with extra headers, and returns the response with its body read.
func postSlack(t *testing.T, srv *httptest.Server, body []byte, sign bool, extra http.Header) (*http.Response, string) {
	t.Helper()
	// A bound on every request, so that one held when it should have been
	// refused at once fails the test instead of hanging it.
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/webhooks/slack", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if sign {
		sig, ts := slack.Signature(slackSecret, time.Now(), body)
		req.Header.Set("X-Slack-Signature", sig)
		req.Header.Set("X-Slack-Request-Timestamp", ts)
	}
	for k, vs := range extra {
		req.Header[k] = vs
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Errorf("POST /webhooks/slack: %v", err)
		return &http.Response{StatusCode: -1, Header: http.Header{}}, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestPlatformRateLimit: past the platform's burst the edge answers 429
// with a Retry-After of whole seconds and records nothing; the check comes
// after the platform lookup (404 first) and before the body (429 before
// 413); a refilled bucket accepts again.
func TestPlatformRateLimit(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	led := &ingesttest.Ledger{}
	srv, svc := limitedServer(t, led, ratelimit.Rule{Rate: 0.5, Burst: 2}, ingest.Options{
		Limiter: ratelimit.NewMemory(ratelimit.MemoryOptions{Now: clock.Now}),
	})
	for i := range 2 {
		if resp, b := postSlack(t, srv, []byte(slackEvent(i)), true, nil); resp.StatusCode != http.StatusAccepted {
			t.Fatalf("request %d within the burst: %s %s", i, resp.Status, b)
		}
	}
	resp, b := postSlack(t, srv, []byte(slackEvent(2)), true, nil)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "2" || !strings.Contains(b, "rate limited") {
		t.Fatalf("past the burst: %s Retry-After=%q %s; want 429 with Retry-After 2 (one token at 0.5/s)", resp.Status, resp.Header.Get("Retry-After"), b)
	}
	big := []byte(`{"pad":"` + strings.Repeat("x", 600) + `"}`)
	if resp, _ := postSlack(t, srv, big, true, nil); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("an oversized request while limited: %s, want 429 (the limit is checked before the body)", resp.Status)
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/webhooks/nope", strings.NewReader("{}"))
	if resp, err := srv.Client().Do(req); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown platform while limited: %v %v, want 404", resp, err)
	} else {
		resp.Body.Close()
	}
	if got := len(led.Recorded()); got != 2 {
		t.Errorf("%d recorded, want the 2 accepted", got)
	}
	if st := svc.Stats(); st.RateLimited != 2 {
		t.Errorf("Stats().RateLimited = %d, want 2", st.RateLimited)
	}
	clock.Advance(2 * time.Second) // the Retry-After the edge gave
	if resp, b := postSlack(t, srv, []byte(slackEvent(3)), true, nil); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("after Retry-After: %s %s, want 202", resp.Status, b)
	}
}

// TestSourceRateLimit: the source bucket is keyed by the TCP peer, and by
// X-Forwarded-For only when proxy headers are trusted.
func TestSourceRateLimit(t *testing.T) {
	t.Parallel()
	rule := ratelimit.Rule{Rate: 0.001, Burst: 1}
	xff := func(a string) http.Header { return http.Header{"X-Forwarded-For": {a + ", 10.0.0.1"}} }
	for _, trust := range []bool{false, true} {
		srv, _ := limitedServer(t, &ingesttest.Ledger{}, ratelimit.Rule{}, ingest.Options{
			Limiter: ratelimit.NewMemory(ratelimit.MemoryOptions{}), SourceRateLimit: rule, TrustProxyHeaders: trust,
		})
		if resp, b := postSlack(t, srv, []byte(slackEvent(1)), true, xff("203.0.113.1")); resp.StatusCode != http.StatusAccepted {
			t.Fatalf("trust=%v: first request: %s %s", trust, resp.Status, b)
		}
		if resp, _ := postSlack(t, srv, []byte(slackEvent(2)), true, xff("203.0.113.1")); resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("trust=%v: second request from one address: %s, want 429", trust, resp.Status)
		}
		want := http.StatusTooManyRequests // the peer is the same: a forged header changes nothing
		if trust {
			want = http.StatusAccepted // another client behind the trusted proxy
		}
		if resp, _ := postSlack(t, srv, []byte(slackEvent(3)), true, xff("203.0.113.2")); resp.StatusCode != want {
			t.Fatalf("trust=%v: another X-Forwarded-For: %s, want %d", trust, resp.Status, want)
		}
	}
}

// TestLoadShedding: with MaxInFlight webhooks stuck on a slow ledger, the
// next ones get 503 + Retry-After at once — while the stuck ones are still
// waiting, so they were not queued behind the ledger — and once the ledger
// answers again every webhook is accepted without any restart.
func TestLoadShedding(t *testing.T) {
	t.Parallel()
	const bound = 3
	led := &ingesttest.Ledger{}
	srv, svc := limitedServer(t, led, ratelimit.Rule{}, ingest.Options{MaxInFlight: bound, RecordTimeout: time.Minute})
	led.Stall()

	var wg sync.WaitGroup
	slow := make(chan int, bound)
	for i := range bound {
		wg.Go(func() {
			resp, _ := postSlack(t, srv, []byte(slackEvent(100+i)), true, nil)
			slow <- resp.StatusCode
		})
	}
	deadline := time.Now().Add(10 * time.Second)
	for led.Waiting() < bound {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d requests reached the stalled ledger", led.Waiting(), bound)
		}
		time.Sleep(5 * time.Millisecond)
	}
	for i := range 5 {
		resp, b := postSlack(t, srv, []byte(slackEvent(200+i)), true, nil)
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "5" {
			t.Fatalf("request %d over the bound: %s Retry-After=%q %s; want 503 with Retry-After 5", i, resp.Status, resp.Header.Get("Retry-After"), b)
		}
		if len(slow) != 0 || led.Waiting() != bound {
			t.Fatal("a shed request was answered only after a stalled one finished: it was queued")
		}
	}
	if st := svc.Stats(); st.Shed != 5 {
		t.Errorf("Stats().Shed = %d, want 5", st.Shed)
	}

	led.Resume()
	wg.Wait()
	close(slow)
	for code := range slow {
		if code != http.StatusAccepted {
			t.Errorf("a request held by the slow ledger ended %d, want 202", code)
		}
	}
	for i := range 10 {
		if resp, b := postSlack(t, srv, []byte(slackEvent(300+i)), true, nil); resp.StatusCode != http.StatusAccepted {
			t.Fatalf("after recovery, request %d: %s %s", i, resp.Status, b)
		}
	}
	if got := len(led.Recorded()); got != bound+10 {
		t.Errorf("%d recorded, want %d", got, bound+10)
	}
}

// TestRecordTimeoutIs503: a ledger slower than RecordTimeout is a 503 with
// Retry-After after the deadline, not a request held for the ledger.
func TestRecordTimeoutIs503(t *testing.T) {
	t.Parallel()
	led := &ingesttest.Ledger{Delay: time.Hour}
	srv, _ := limitedServer(t, led, ratelimit.Rule{}, ingest.Options{RecordTimeout: 100 * time.Millisecond})
	resp, b := postSlack(t, srv, []byte(slackEvent(1)), true, nil)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "5" {
		t.Fatalf("slow ledger: %s Retry-After=%q %s", resp.Status, resp.Header.Get("Retry-After"), b)
	}
}

func gzipBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestContentEncoding: gzip bodies are verified and stored decompressed;
// the cap applies to the decompressed size; other encodings are 415.
func TestContentEncoding(t *testing.T) {
	t.Parallel()
	led := &ingesttest.Ledger{}
	srv, _ := limitedServer(t, led, ratelimit.Rule{}, ingest.Options{})
	gz := http.Header{"Content-Encoding": {"gzip"}}
	event := []byte(slackEvent(1))
	sign := func(b []byte) http.Header {
		sig, ts := slack.Signature(slackSecret, time.Now(), b)
		return http.Header{"X-Slack-Signature": {sig}, "X-Slack-Request-Timestamp": {ts}, "Content-Encoding": {"gzip"}}
	}

	if resp, b := postSlack(t, srv, gzipBytes(t, event), false, sign(event)); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("gzip body signed uncompressed: %s %s", resp.Status, b)
	}
	rec := led.Recorded()
	if len(rec) != 1 || string(rec[0].GetReceipt().GetBody()) != string(event) {
		t.Fatalf("stored %d receipts, body %q; want the decompressed bytes", len(rec), rec[0].GetReceipt().GetBody())
	}
	if enc := rec[0].GetReceipt().GetHeaders()["content-encoding"]; enc != "" {
		t.Errorf("stored content-encoding %q beside a decompressed body", enc)
	}
	compressed := gzipBytes(t, []byte(slackEvent(2)))
	if resp, _ := postSlack(t, srv, compressed, false, sign(compressed)); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("signature over the compressed bytes: %s, want 401", resp.Status)
	}
	bomb := gzipBytes(t, make([]byte, 8<<20)) // 8 MiB of zeros in ~8 KiB, cap 512 B
	if resp, b := postSlack(t, srv, bomb, true, gz); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("zip bomb: %s %s, want 413", resp.Status, b)
	}
	if resp, _ := postSlack(t, srv, []byte("not gzip"), true, gz); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("malformed gzip: %s, want 400", resp.Status)
	}
	for _, enc := range []string{"br", "deflate", "gzip, gzip", "compress"} {
		resp, b := postSlack(t, srv, event, true, http.Header{"Content-Encoding": {enc}})
		if resp.StatusCode != http.StatusUnsupportedMediaType || !strings.Contains(b, "content-encoding") {
			t.Errorf("Content-Encoding %q: %s %s, want 415", enc, resp.Status, b)
		}
	}
	if resp, b := postSlack(t, srv, []byte(slackEvent(3)), true, http.Header{"Content-Encoding": {"identity"}}); resp.StatusCode != http.StatusAccepted {
		t.Errorf("identity: %s %s", resp.Status, b)
	}
	if got := len(led.Recorded()); got != 2 {
		t.Errorf("%d recorded, want 2", got)
	}
}
