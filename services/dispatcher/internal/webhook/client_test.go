package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/target"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

// stubDNS answers from a table and never leaves the machine.
type stubDNS map[string]string

func (s stubDNS) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	a, ok := s[host]
	if !ok {
		return nil, errors.New("stub: no such host")
	}
	return []netip.Addr{netip.MustParseAddr(a)}, nil
}

// loopbackDial records what it is asked to dial and dials only loopback.
type loopbackDial struct {
	mu     sync.Mutex
	dialed []string
}

func (l *loopbackDial) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	l.mu.Lock()
	l.dialed = append(l.dialed, addr)
	l.mu.Unlock()
	if ap, err := netip.ParseAddrPort(addr); err != nil || !ap.Addr().IsLoopback() {
		return nil, errors.New("test dialer: " + addr + " is not loopback")
	}
	return (&net.Dialer{}).DialContext(ctx, network, addr)
}

func (l *loopbackDial) calls() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.dialed...)
}

func policy(t *testing.T, spec string, dns stubDNS) *target.Policy {
	t.Helper()
	p, err := target.ParsePolicy(spec)
	if err != nil {
		t.Fatal(err)
	}
	return p.WithResolver(dns)
}

// TestPostSigned: the request is a POST of the body with the Standard
// Webhooks headers, and the signature verifies under every key, checked
// here from the specification's words.
func TestPostSigned(t *testing.T) {
	t.Parallel()
	other := []byte("another key, as during a rotation")
	type seen struct {
		method string
		h      http.Header
		body   []byte
	}
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Method, r.Header.Clone(), b}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	now := time.Unix(1765000000, 0)
	c := New(Options{Policy: policy(t, "http:loopback", nil), Now: func() time.Time { return now }})
	defer c.Close()
	body := []byte(`{"event_id":"evt_1"}`)
	code, err := c.Post(context.Background(), Request{URL: srv.URL + "/hooks?x=1", ID: "dlv-1", Body: body,
		ContentType: "application/json", Keys: [][]byte{testKey, other}})
	if err != nil || code != http.StatusNoContent {
		t.Fatalf("Post = %d, %v", code, err)
	}
	s := <-got
	if s.method != http.MethodPost || string(s.body) != string(body) || s.h.Get("Content-Type") != "application/json" {
		t.Fatalf("request %s %q %v", s.method, s.body, s.h)
	}
	if s.h.Get("webhook-id") != "dlv-1" || s.h.Get("webhook-timestamp") != "1765000000" {
		t.Fatalf("headers %v", s.h)
	}
	sigs := strings.Split(s.h.Get("webhook-signature"), " ")
	if len(sigs) != 2 {
		t.Fatalf("webhook-signature %q: want one entry per key", s.h.Get("webhook-signature"))
	}
	for i, k := range [][]byte{testKey, other} {
		m := hmac.New(sha256.New, k)
		m.Write([]byte("dlv-1.1765000000." + string(body)))
		if want := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil)); sigs[i] != want {
			t.Errorf("signature %d = %s, want %s", i, sigs[i], want)
		}
	}
}

// TestPostAnswers: what the destination answers becomes the status the
// retry classes read; redirects are not followed.
func TestPostAnswers(t *testing.T) {
	t.Parallel()
	var redirected atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/fail", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, "boom "+strings.Repeat("x", 1<<20)) // far past MaxResponse
	})
	mux.HandleFunc("/slow-down", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "42")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, _ *http.Request) { redirected.Add(1) })
	mux.HandleFunc("/huge-headers", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Filler", strings.Repeat("y", 2*MaxResponse))
	})
	mux.HandleFunc("/bad", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "no such field", http.StatusUnprocessableEntity)
	})
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body) // once the body is read, the server notices the client leaving
		<-r.Context().Done()
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := New(Options{Policy: policy(t, "http:loopback", nil)})
	defer c.Close()
	post := func(ctx context.Context, path string) (int, *status.Status) {
		code, err := c.Post(ctx, Request{URL: srv.URL + path, ID: "d", Body: []byte("{}"), ContentType: "application/json", Keys: [][]byte{testKey}})
		return code, status.Convert(err)
	}
	if code, st := post(context.Background(), "/fail"); code != 500 || st.Code() != codes.Internal || !strings.HasPrefix(st.Message(), "HTTP 500 Internal Server Error: boom xxx") || len(st.Message()) > 300 {
		t.Errorf("500: %d %v %.80q (%d bytes)", code, st.Code(), st.Message(), len(st.Message()))
	}
	if code, st := post(context.Background(), "/slow-down"); code != 429 || st.Code() != codes.ResourceExhausted || hintOf(st) != 42*time.Second {
		t.Errorf("429: %d %v hint %v", code, st.Code(), hintOf(st))
	}
	if code, st := post(context.Background(), "/moved"); code != 307 || st.Code() != codes.FailedPrecondition || !strings.Contains(st.Message(), "/elsewhere") || redirected.Load() != 0 {
		t.Errorf("307: %d %v %q, followed %d times", code, st.Code(), st.Message(), redirected.Load())
	}
	if code, st := post(context.Background(), "/bad"); code != 422 || st.Code() != codes.FailedPrecondition || !strings.Contains(st.Message(), "no such field") {
		t.Errorf("422: %d %v %q", code, st.Code(), st.Message())
	}
	if code, st := post(context.Background(), "/huge-headers"); code != 0 || st.Code() != codes.Unavailable || !strings.Contains(st.Message(), "headers exceeded") {
		t.Errorf("headers past MaxResponse: %d %v %q; want them refused unread", code, st.Code(), st.Message())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if code, st := post(ctx, "/hang"); code != 0 || st.Code() != codes.DeadlineExceeded {
		t.Errorf("no answer: %d %v %q", code, st.Code(), st.Message())
	}
}

// TestPostAllowList: the policy decides at dial time on the addresses the
// name resolves to; a refused destination is not dialled.
func TestPostAllowList(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	dns := stubDNS{"hooks.test": "127.0.0.1", "metadata.test": "169.254.169.254", "inside.test": "10.0.0.8"}
	for _, tt := range []struct {
		spec, url string
		refusal   string // "" delivered
	}{
		{"http:loopback", "http://hooks.test:" + port + "/", ""},
		{"loopback", "http://hooks.test:" + port + "/", "may not receive plain http://"},
		{"loopback,private", srv.URL, "may not receive plain http://"},
		{"http:loopback", "http://metadata.test:" + port + "/", "link-local (always refused)"},
		{"http:loopback", "http://inside.test:" + port + "/", "not in HOOKMESH_TARGET_ALLOW"},
		{"http:loopback", "http://nowhere.test:" + port + "/", "resolve nowhere.test"},
	} {
		dial := &loopbackDial{}
		c := New(Options{Policy: policy(t, tt.spec, dns), Dial: dial.dial})
		before := hits.Load()
		_, err := c.Post(context.Background(), Request{URL: tt.url, ID: "d", Body: []byte("{}"), ContentType: "application/json", Keys: [][]byte{testKey}})
		c.Close()
		st := status.Convert(err)
		switch {
		case tt.refusal == "" && (err != nil || hits.Load() != before+1 || len(dial.calls()) != 1 || dial.calls()[0] != "127.0.0.1:"+port):
			t.Errorf("%s %s: %v, dialled %v", tt.spec, tt.url, err, dial.calls())
		case tt.refusal != "" && (st.Code() != codes.Unavailable || !strings.HasPrefix(st.Message(), "not dialled: ") ||
			!strings.Contains(st.Message(), tt.refusal) || len(dial.calls()) != 0 || hits.Load() != before):
			t.Errorf("%s %s: %v %q, dialled %v; want UNAVAILABLE naming %q, nothing dialled", tt.spec, tt.url, st.Code(), st.Message(), dial.calls(), tt.refusal)
		}
	}
}

// TestPostTLS: certificates are verified; with the server's CA the
// request goes through, pooled on one connection.
func TestPostTLS(t *testing.T) {
	t.Parallel()
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.StartTLS()
	defer srv.Close()
	req := Request{URL: srv.URL + "/in", ID: "d", Body: []byte("{}"), ContentType: "application/json", Keys: [][]byte{testKey}}
	untrusting := New(Options{Policy: policy(t, "loopback", nil)})
	defer untrusting.Close()
	if _, err := untrusting.Post(context.Background(), req); status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("unknown CA: %v; want UNAVAILABLE about the certificate", err)
	}
	c := New(Options{Policy: policy(t, "loopback", nil), RootCAs: srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs})
	defer c.Close()
	before := conns.Load()
	for range 3 {
		if code, err := c.Post(context.Background(), req); err != nil || code != 200 {
			t.Fatalf("Post = %d, %v", code, err)
		}
	}
	if n := conns.Load() - before; n != 1 {
		t.Errorf("%d connections for 3 sequential requests, want 1 (pooled)", n)
	}
}

func TestBody(t *testing.T) {
	t.Parallel()
	ev := &eventv1.NormalizedEvent{EventId: "evt_1", Platform: "stripe", EventType: eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
		SourceEventType: "payment_intent.succeeded", Amount: &eventv1.Money{MinorUnits: 1999, Currency: "USD"},
		OccurredAt: timestamppb.New(time.Unix(1765000000, 0))}
	b, ct, err := Body(false, ev, []byte("ignored"))
	if err != nil || ct != "application/json" {
		t.Fatalf("Body = %s, %v", ct, err)
	}
	for _, name := range []string{`"event_id":"evt_1"`, `"minor_units":"1999"`, `"source_event_type":"payment_intent.succeeded"`} {
		if !strings.Contains(string(b), name) {
			t.Errorf("%s lacks %s", b, name)
		}
	}
	var back eventv1.NormalizedEvent
	if err := protojson.Unmarshal(b, &back); err != nil || !proto.Equal(&back, ev) {
		t.Errorf("%s does not read back as the event: %v", b, err)
	}
	again, _, _ := Body(false, ev, nil)
	if string(again) != string(b) {
		t.Errorf("two renderings differ: %s / %s", b, again)
	}
	raw := []byte(`{"id":"evt_1", "type":"payment_intent.succeeded"}`)
	if b, ct, err := Body(true, ev, raw); err != nil || string(b) != string(raw) || ct != "application/json" {
		t.Errorf("raw JSON: %s %s %v", b, ct, err)
	}
	form := []byte("payload=%7B%22type%22%3A%22block_actions%22%7D")
	if b, ct, err := Body(true, ev, form); err != nil || string(b) != string(form) || ct != "application/octet-stream" {
		t.Errorf("raw form: %s %s %v", b, ct, err)
	}
}
