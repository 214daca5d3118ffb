package load

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/bench/internal/stats"
	"github.com/hookmesh/hookmesh/services/edge"
	"github.com/hookmesh/hookmesh/services/edge/verify"
)

func TestIntendedNoDrift(t *testing.T) {
	start := time.Unix(1000, 0)
	if got := Intended(start, 3, 3); !got.Equal(start.Add(time.Second)) {
		t.Errorf("3 requests at 3/s: %v", got.Sub(start))
	}
	// 1,000,000 requests at 1500/s end at exactly 666.666...s, not off by
	// an accumulated rounding error of the 666,666.67 ns interval.
	got := Intended(start, 1500, 1_000_000).Sub(start)
	n := 1_000_000.0
	if want := time.Duration(n * float64(time.Second) / 1500); got != want || got < 666666666000 || got > 666666667000 {
		t.Errorf("got %v", got)
	}
	if Count(500, 8*time.Second) != 4000 || Count(250, 1500*time.Millisecond) != 375 {
		t.Error("Count")
	}
}

// TestMixHasConfiguredSource: a tenth of the default mix is the source
// defined in configuration (issue #14), so its cost shows in make bench.
func TestMixHasConfiguredSource(t *testing.T) {
	total, configured := 0, 0
	for _, k := range DefaultMix {
		total += k.Weight
		if k.Platform == ConfiguredName {
			configured += k.Weight
		}
	}
	if configured*10 != total {
		t.Errorf("%s is %d of %d parts of the mix, want 10 %%", ConfiguredName, configured, total)
	}
}

func TestSequenceMix(t *testing.T) {
	seq := Sequence(DefaultMix, 400)
	counts := make([]int, len(DefaultMix))
	for _, k := range seq[:200] {
		counts[k]++
	}
	for i, k := range DefaultMix {
		if counts[i] != k.Weight {
			t.Errorf("%s: %d in 200, want %d", k.Platform, counts[i], k.Weight)
		}
	}
	// Interleaved, not in blocks: no kind runs more than 2 in a row at 40 %.
	run := 1
	for i := 1; i < len(seq); i++ {
		if seq[i] == seq[i-1] {
			run++
			if run > 2 {
				t.Fatalf("run of %d at %d", run, i)
			}
		} else {
			run = 1
		}
	}
}

func TestBuildSigned(t *testing.T) {
	reqs, err := Build(DefaultMix, 200, Secrets(edge.DevSigningSecrets), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	total := 0
	for _, r := range reqs {
		s := string(r.Rest)
		if seen[s] {
			t.Fatal("two identical requests: event ids not unique")
		}
		seen[s] = true
		total += r.BodyLen
		if !strings.Contains(s, "Content-Length: ") || !strings.Contains(s, "\r\n\r\n") {
			t.Fatalf("malformed request %q", s[:80])
		}
	}
	// Mix of ~2, 5, 15, 0.9 and 0.3 KB: a mean of about 5 KB.
	if mean := total / len(reqs); mean < 4000 || mean > 7000 {
		t.Errorf("mean body %d bytes", mean)
	}
}

// A server that stalls once for 300 ms. With one connection at 100/s, the
// requests scheduled during the stall wait; measured from their intended
// time they are slow, which is the point: a closed-loop generator would
// report one slow request and a fast p99 (coordinated omission).
func TestOpenMeasuresFromIntendedTime(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 10 {
			time.Sleep(300 * time.Millisecond)
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	reqs, err := Build(DefaultMix[:1], 100, Secrets(edge.DevSigningSecrets), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	addr := strings.TrimPrefix(srv.URL, "http://")
	cl := NewClient(addr, 5*time.Second)
	defer cl.Close()
	r := Open(context.Background(), cl, OpenConfig{Rate: 100, MaxInFlight: 1, Grace: 5 * time.Second}, reqs)
	if r.OK != 100 || r.Sent != 100 || r.NotSent != 0 {
		t.Fatalf("ok %d sent %d not sent %d status %v errors %v", r.OK, r.Sent, r.NotSent, r.Status, r.Errors)
	}
	s := stats.Summarize(r.Latency)
	// ~30 requests were due during the stall: the slowest waited ~300 ms,
	// so p90 must be high, unlike a send-time measurement (p90 ~ 0).
	if s.P90 < 50 || s.Max < 250 {
		t.Errorf("stall not measured: %+v", s)
	}
	if r.Late < 20 {
		t.Errorf("late %d, want the requests due during the stall", r.Late)
	}
	if r.Elapsed < 990*time.Millisecond {
		t.Errorf("elapsed %v", r.Elapsed)
	}
	if cl.Conns() != 1 {
		t.Errorf("%d connections kept, want the one reused", cl.Conns())
	}
}

func TestClosed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "github") {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	reqs, err := Build(DefaultMix, 400, Secrets(edge.DevSigningSecrets), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cl := NewClient(strings.TrimPrefix(srv.URL, "http://"), 5*time.Second)
	defer cl.Close()
	r := Closed(context.Background(), cl, ClosedConfig{Concurrency: 4, Duration: 5 * time.Second}, reqs)
	// GitHub is 35 of every 200: 70 of 400 answered 503.
	if r.Sent != 400 || r.Status[503] != 70 || r.OK != 330 || len(r.Latency) != 330 {
		t.Errorf("sent %d status %v ok %d", r.Sent, r.Status, r.OK)
	}
	if r.Achieved() <= 0 {
		t.Error("no rate")
	}
}

// TestConfiguredVerifies: the generator's own signing of the configured
// source is what the edge's verifier for SourcesFile accepts, and its
// body holds every normalize path.
func TestConfiguredVerifies(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sources.yaml")
	if err := os.WriteFile(path, []byte(SourcesFile), 0o600); err != nil {
		t.Fatal(err)
	}
	vs, err := verify.ConfiguredVerifiers(path, map[string]string{ConfiguredName: ConfiguredSecret})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	body, err := configuredBody(now)
	if err != nil {
		t.Fatal(err)
	}
	h := signConfigured(ConfiguredSecret, now, body)
	if err := vs[ConfiguredName].Verify(verify.Request{Header: h, Body: body, Now: now, Method: http.MethodPost}); err != nil {
		t.Fatalf("the edge's verifier refuses the generator's signature: %v", err)
	}
	if err := vs[ConfiguredName].Verify(verify.Request{Header: h, Body: append(body, ' '), Now: now, Method: http.MethodPost}); err == nil {
		t.Error("a changed body still verifies")
	}
	var doc struct {
		Account struct{ ID string } `json:"account"`
		Data    struct {
			Customer struct{ ID string }                  `json:"customer"`
			Order    struct{ ID, Total, Currency string } `json:"order"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Account.ID == "" || doc.Data.Customer.ID == "" || doc.Data.Order.ID == "" || doc.Data.Order.Total == "" || doc.Data.Order.Currency == "" {
		t.Errorf("body lacks a normalize path's value: %+v", doc)
	}
	if n := len(body); n < 1500 || n > 3000 {
		t.Errorf("body is %d bytes, want about 2 KB", n)
	}
}
