package listen

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

func TestApplyFrom(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		from     string
		explicit bool
		cursor   string
		start    time.Time
		bad      bool
	}{
		{from: ""},
		{from: "now", explicit: true},
		{from: "2026-02-28T10:00:00Z", explicit: true, start: time.Date(2026, 2, 28, 10, 0, 0, 0, time.UTC)},
		{from: "15m", explicit: true, start: now.Add(-15 * time.Minute)},
		{from: "AXAHcw8B4cYr", explicit: true, cursor: "AXAHcw8B4cYr"},
		{from: "-5m", bad: true},
		{from: "2026-13-01", bad: true},
		{from: "yesterday", bad: true},
		{from: "AXAHcw8B4cY+", bad: true},
	} {
		req := &ledgerv1.WatchEventsRequest{}
		explicit, err := applyFrom(req, c.from, now)
		if c.bad {
			if err == nil {
				t.Errorf("--from %q accepted", c.from)
			}
			continue
		}
		var start time.Time
		if req.GetStartTime() != nil {
			start = req.GetStartTime().AsTime()
		}
		if err != nil || explicit != c.explicit || req.GetCursor() != c.cursor || !start.Equal(c.start) {
			t.Errorf("--from %q: explicit %v cursor %q start %v, %v", c.from, explicit, req.GetCursor(), start, err)
		}
	}
}

// stubResolver answers from a table and never looks a name up.
type stubResolver struct {
	mu    sync.Mutex
	hosts map[string][]string
	calls int
}

func (r *stubResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	var out []netip.Addr
	for _, s := range r.hosts[host] {
		out = append(out, netip.MustParseAddr(s))
	}
	if len(out) == 0 {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return out, nil
}

// noDial fails the test if anything is dialled.
func noDial(t *testing.T) DialFunc {
	return func(_ context.Context, _, addr string) (net.Conn, error) {
		t.Errorf("dialled %s", addr)
		return nil, errors.New("no dialling in this test")
	}
}

// TestForwardRefusesRemote: a target beyond loopback is refused before
// anything is dialled, unless allowed; the names are resolved by a stub.
func TestForwardRefusesRemote(t *testing.T) {
	t.Parallel()
	res := &stubResolver{hosts: map[string][]string{
		"app.example.test":       {"203.0.113.5"},
		"localhost.example.test": {"127.0.0.1", "203.0.113.9"}, // one bad address is enough
		"dev.example.test":       {"127.0.0.1", "::1"},
	}}
	for _, target := range []string{
		"http://app.example.test:3000/hooks",
		"https://app.example.test/hooks",
		"http://203.0.113.5/hooks",
		"http://[2001:db8::1]:8080/",
		"http://[::ffff:203.0.113.5]:8080/",
		"grpc://localhost.example.test:9095",
		"http://0.0.0.0:3000/",
	} {
		o := Options{ForwardTo: target, Resolver: res, Dial: noDial(t), StateFile: t.TempDir() + "/state.json"}
		if err := Run(context.Background(), o); !errors.Is(err, ErrNotLoopback) {
			t.Errorf("%s: Run = %v, want ErrNotLoopback", target, err)
		}
	}
	for _, target := range []string{"ftp://localhost/", "localhost:3000", "grpc://localhost", "grpc://localhost:9095/path"} {
		o := Options{ForwardTo: target, Resolver: res, Dial: noDial(t), StateFile: t.TempDir() + "/state.json"}
		if err := Run(context.Background(), o); err == nil || errors.Is(err, ErrNotLoopback) {
			t.Errorf("%s: Run = %v, want a usage error", target, err)
		}
	}
	g := newGuard(res, noDial(t), false)
	for _, host := range []string{"dev.example.test", "127.0.0.1", "::1"} {
		if _, err := g.resolve(context.Background(), host); err != nil {
			t.Errorf("%s: %v", host, err)
		}
	}
	g = newGuard(res, noDial(t), true)
	if _, err := g.resolve(context.Background(), "app.example.test"); err != nil {
		t.Errorf("allowed remote: %v", err)
	}
}

// TestGuardChecksEveryDial: a name that resolved to loopback when listen
// started and to another address later (DNS rebinding) is refused at the
// dial, and the address dialled is the one checked.
func TestGuardChecksEveryDial(t *testing.T) {
	t.Parallel()
	res := &stubResolver{hosts: map[string][]string{"app.test": {"127.0.0.1"}}}
	var dialled []string
	g := newGuard(res, func(_ context.Context, _, addr string) (net.Conn, error) {
		dialled = append(dialled, addr)
		if !strings.HasPrefix(addr, "127.0.0.1:") {
			t.Errorf("dialled %s", addr)
		}
		return nil, errors.New("refused")
	}, false)
	if err := g.check(context.Background(), "app.test:3000"); err != nil {
		t.Fatal(err)
	}
	_, _ = g.DialContext(context.Background(), "tcp", "app.test:3000")
	res.mu.Lock()
	res.hosts["app.test"] = []string{"198.51.100.7"}
	res.mu.Unlock()
	if _, err := g.DialContext(context.Background(), "tcp", "app.test:3000"); !errors.Is(err, ErrNotLoopback) {
		t.Errorf("rebound name: %v, want ErrNotLoopback", err)
	}
	if len(dialled) != 1 || dialled[0] != "127.0.0.1:3000" {
		t.Errorf("dialled %v, want [127.0.0.1:3000]", dialled)
	}
}

func TestDeliveryIDStable(t *testing.T) {
	a := &ledgerv1.StoredEvent{Platform: "stripe", EventId: "evt_1"}
	b := &ledgerv1.StoredEvent{Platform: "stripe", EventId: "evt_2"}
	id := DeliveryID(a)
	if id != DeliveryID(a) || id == DeliveryID(b) || len(id) != 36 || id[14] != '5' {
		t.Errorf("DeliveryID = %s (again %s, other %s)", id, DeliveryID(a), DeliveryID(b))
	}
}

func TestStateFile(t *testing.T) {
	path := t.TempDir() + "/sub/state.json"
	if s, err := loadState(path); err != nil || s.Cursor != "" {
		t.Fatalf("missing state file: %+v, %v", s, err)
	}
	if err := saveState(path, state{Cursor: "c1", Ledger: "l"}); err != nil {
		t.Fatal(err)
	}
	if s, err := loadState(path); err != nil || s.Cursor != "c1" {
		t.Fatalf("state = %+v, %v", s, err)
	}
	a, _ := DefaultStateFile("127.0.0.1:9092", "http://localhost:3000/|raw||")
	b, _ := DefaultStateFile("127.0.0.1:9092", "grpc://localhost:9095|raw||")
	if a == b {
		t.Errorf("two listens share a state file: %s", a)
	}
}

func TestPrintText(t *testing.T) {
	var buf bytes.Buffer
	p := printer{out: &buf}
	msg := &ledgerv1.WatchEventsResponse{Cursor: "c", Event: &ledgerv1.StoredEvent{Platform: "stripe", EventId: "evt_1",
		NormalizationError: "bad json"}}
	if err := p.event(msg, &Result{Status: "200 OK", OK: true, Latency: 3 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if line := buf.String(); !strings.Contains(line, "evt_1") || !strings.Contains(line, "not normalized: bad json") ||
		!strings.Contains(line, "[200 OK] 3ms") {
		t.Errorf("line = %q", line)
	}
}
