package dispatch

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	handlerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/handler/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/dispatcher/internal/breaker"
	"github.com/hookmesh/hookmesh/services/internal/target"
)

// stubDNS answers from a table that a test may change, and fails other
// names: no lookup leaves the machine.
type stubDNS struct {
	mu    sync.Mutex
	hosts map[string]string
	asked []string
}

func (s *stubDNS) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked = append(s.asked, host)
	ip, ok := s.hosts[host]
	if !ok {
		return nil, errors.New("stub: no such host")
	}
	return []netip.Addr{netip.MustParseAddr(ip)}, nil
}

func (s *stubDNS) set(host, ip string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hosts[host] = ip
}

// stubDialer records every address it is asked for and connects only to
// loopback ones: a test that reached another address fails rather than
// send a packet off the machine.
type stubDialer struct {
	mu    sync.Mutex
	addrs []string
}

func (d *stubDialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.addrs = append(d.addrs, addr)
	d.mu.Unlock()
	if ap, err := netip.ParseAddrPort(addr); err != nil || !ap.Addr().IsLoopback() {
		return nil, errors.New("stub dialer: " + addr + " is not loopback")
	}
	return (&net.Dialer{}).DialContext(ctx, network, addr)
}

func (d *stubDialer) dialled() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.addrs)
}

// handlerServer answers HandleEvent with answer, over real gRPC.
type handlerServer struct {
	handlerv1.UnimplementedEventHandlerServiceServer
	answer func(*handlerv1.HandleEventRequest) error
	mu     sync.Mutex
	got    []string
}

func (h *handlerServer) HandleEvent(_ context.Context, in *handlerv1.HandleEventRequest) (*handlerv1.HandleEventResponse, error) {
	h.mu.Lock()
	h.got = append(h.got, in.GetDeliveryId())
	h.mu.Unlock()
	if h.answer != nil {
		if err := h.answer(in); err != nil {
			return nil, err
		}
	}
	return &handlerv1.HandleEventResponse{}, nil
}

func (h *handlerServer) deliveries() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.got)
}

// serveHandler serves h on a loopback port and returns the port.
func serveHandler(t *testing.T, h *handlerServer) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	handlerv1.RegisterEventHandlerServiceServer(srv, h)
	done := make(chan struct{})
	go func() { _ = srv.Serve(lis); close(done) }()
	t.Cleanup(func() { srv.Stop(); <-done })
	_, port, _ := net.SplitHostPort(lis.Addr().String())
	return port
}

func targetLease(id, target string) *ledgerv1.Lease {
	l := lease(id, 0)
	l.Subscription.Target = target
	l.Subscription.Timeout = durationpb.New(10 * time.Second)
	return l
}

// TestRefusedNameIsNeverDialled: a name that resolves to the metadata
// address fails its delivery with a counted network-class retry naming the
// rule, and nothing dials it; a name resolving to loopback is dialled at
// the checked address and delivered.
func TestRefusedNameIsNeverDialled(t *testing.T) {
	t.Parallel()
	h := &handlerServer{}
	port := serveHandler(t, h)
	dns := &stubDNS{hosts: map[string]string{"metadata.evil.example": "169.254.169.254", "handler.internal": "127.0.0.1"}}
	dialer := &stubDialer{}
	pool := NewPool(nil, target.Default().WithResolver(dns), dialer.dial)
	t.Cleanup(pool.Close)
	led := &fakeLedger{outcomes: make(chan any, 10), queue: []*ledgerv1.Lease{
		targetLease("evil", "metadata.evil.example:80"),
		targetLease("good", "dns:///handler.internal:"+port),
	}}
	d := New(Options{
		ID: "d1", Ledger: led, Handlers: pool, Breakers: breaker.New(breaker.Settings{Failures: 100, OpenFor: time.Minute}),
		Capacity: 8, ClaimBatch: 8, LeaseDuration: time.Minute, PollInterval: 20 * time.Millisecond,
		DrainTimeout: time.Second, Jitter: func(d time.Duration) time.Duration { return d },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	var retry *ledgerv1.RetryDeliveryRequest
	var complete *ledgerv1.CompleteDeliveryRequest
	for range 2 {
		switch o := next(t, led).(type) {
		case *ledgerv1.RetryDeliveryRequest:
			retry = o
		case *ledgerv1.CompleteDeliveryRequest:
			complete = o
		default:
			t.Fatalf("outcome %T %v", o, o)
		}
	}
	const rule = "target metadata.evil.example:80: host metadata.evil.example resolves to 169.254.169.254, which is link-local (always refused)"
	if retry.GetDeliveryId() != "evil" || !retry.GetCountAttempt() || retry.GetErrorClass() != ledgerv1.ErrorClass_ERROR_CLASS_NETWORK ||
		retry.GetCode() != codes.Unavailable.String() || !strings.Contains(retry.GetError(), rule) {
		t.Errorf("refused delivery: %v; want a counted network retry, UNAVAILABLE, naming %q", retry, rule)
	}
	if complete.GetDeliveryId() != "good" {
		t.Errorf("allowed delivery: %v, want it completed", complete)
	}
	if got := dialer.dialled(); len(got) == 0 || slices.ContainsFunc(got, func(a string) bool { return a != "127.0.0.1:"+port }) {
		t.Errorf("dialled %v; want only the checked loopback address 127.0.0.1:%s", got, port)
	}
	if got := h.deliveries(); !slices.Equal(got, []string{"good"}) {
		t.Errorf("handler got %v, want only the allowed delivery", got)
	}
}

// TestStaticRefusalsAskNothing: a refused scheme or IP literal fails at
// once, without a lookup or a dial.
func TestStaticRefusalsAskNothing(t *testing.T) {
	t.Parallel()
	dns := &stubDNS{hosts: map[string]string{}}
	dialer := &stubDialer{}
	pool := NewPool(nil, target.Default().WithResolver(dns), dialer.dial)
	t.Cleanup(pool.Close)
	for raw, rule := range map[string]string{
		"169.254.169.254:80": "target 169.254.169.254:80: address 169.254.169.254 is link-local (always refused)",
		"unix:///tmp/x":      "target unix:///tmp/x: scheme unix is not a TCP target",
		"[fe80::1]:80":       "address fe80::1 is link-local (always refused)",
		"8.8.8.8:53":         "address 8.8.8.8 is not in HOOKMESH_TARGET_ALLOW (loopback,private)",
	} {
		c, err := pool.Client(raw)
		if err != nil {
			t.Fatalf("Client(%s) = %v; a refusal belongs to the call, to be retried", raw, err)
		}
		_, err = c.HandleEvent(context.Background(), &handlerv1.HandleEventRequest{DeliveryId: "x"})
		if st := status.Convert(err); st.Code() != codes.Unavailable || !strings.Contains(st.Message(), rule) {
			t.Errorf("HandleEvent via %s = %v, want UNAVAILABLE naming %q", raw, err, rule)
		}
	}
	if len(dns.asked) != 0 || len(dialer.dialled()) != 0 {
		t.Errorf("looked up %v, dialled %v; want neither", dns.asked, dialer.dialled())
	}
}

// TestRebindingIsRefused: a name that passed and later resolves to a
// refused address is refused at the next check, and the connection never
// dials anything but the address first checked.
func TestRebindingIsRefused(t *testing.T) {
	t.Parallel()
	h := &handlerServer{}
	port := serveHandler(t, h)
	dns := &stubDNS{hosts: map[string]string{"handler.internal": "127.0.0.1"}}
	dialer := &stubDialer{}
	pool := NewPool(nil, target.Default().WithResolver(dns), dialer.dial)
	t.Cleanup(pool.Close)
	raw := "handler.internal:" + port
	c, err := pool.Client(raw)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.HandleEvent(ctx, &handlerv1.HandleEventRequest{DeliveryId: "first"}); err != nil {
		t.Fatalf("first call: %v", err)
	}
	dns.set("handler.internal", "169.254.169.254")
	// What gRPC does when a connection fails; otherwise the next lookup
	// waits for recheckAfter.
	checkedResolver{s: c.(*handlerConn).addrs}.ResolveNow(resolver.ResolveNowOptions{})
	_, err = c.HandleEvent(ctx, &handlerv1.HandleEventRequest{DeliveryId: "second"})
	if st := status.Convert(err); st.Code() != codes.Unavailable || !strings.Contains(st.Message(), "resolves to 169.254.169.254, which is link-local") {
		t.Errorf("after rebinding: %v, want UNAVAILABLE naming the rule", err)
	}
	if _, err := c.(*handlerConn).addrs.dialContext(ctx, "169.254.169.254:"+port); err == nil {
		t.Error("the connection's dialer accepted an address that was never allowed")
	}
	if got := dialer.dialled(); slices.ContainsFunc(got, func(a string) bool { return a != "127.0.0.1:"+port }) {
		t.Errorf("dialled %v; want only 127.0.0.1:%s", got, port)
	}
	if got := h.deliveries(); !slices.Equal(got, []string{"first"}) {
		t.Errorf("handler got %v, want only the call made before the rebinding", got)
	}
}

// TestHandlerMessageBounded: a handler's long error message is cut to
// MaxHandlerMessage bytes on a rune boundary; its code and RetryInfo stay.
func TestHandlerMessageBounded(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 5000) // 10,000 bytes
	h := &handlerServer{answer: func(*handlerv1.HandleEventRequest) error {
		st, _ := status.New(codes.ResourceExhausted, long).WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(7 * time.Second)})
		return st.Err()
	}}
	port := serveHandler(t, h)
	pool := NewPool(nil, target.Default().WithResolver(&stubDNS{hosts: map[string]string{}}), (&stubDialer{}).dial)
	t.Cleanup(pool.Close)
	c, err := pool.Client("127.0.0.1:" + port)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = c.HandleEvent(ctx, &handlerv1.HandleEventRequest{DeliveryId: "x"})
	st := status.Convert(err)
	if st.Code() != codes.ResourceExhausted || retryHint(st) != 7*time.Second {
		t.Errorf("status %v, hint %v; want the handler's code and RetryInfo", st.Code(), retryHint(st))
	}
	if m := st.Message(); len(m) > MaxHandlerMessage || len(m) < MaxHandlerMessage-1 || !utf8.ValidString(m) || !strings.HasPrefix(long, m) {
		t.Errorf("message of %d bytes (valid UTF-8: %v); want the first %d bytes, cut between runes", len(m), utf8.ValidString(m), MaxHandlerMessage)
	}
}
