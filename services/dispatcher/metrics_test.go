package dispatcher

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	dispatcherv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/dispatcher/v1"
	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	handlerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/handler/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/admin"
	"github.com/hookmesh/hookmesh/services/internal/grpcserver"
)

// fakeLedger serves queued leases once over real gRPC and accepts every
// outcome report.
type fakeLedger struct {
	ledgerv1.UnimplementedLedgerServiceServer
	mu    sync.Mutex
	queue []*ledgerv1.Lease
}

func (f *fakeLedger) ClaimDeliveries(_ context.Context, in *ledgerv1.ClaimDeliveriesRequest) (*ledgerv1.ClaimDeliveriesResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := min(int(in.GetLimit()), len(f.queue))
	out := f.queue[:n]
	f.queue = f.queue[n:]
	return &ledgerv1.ClaimDeliveriesResponse{Leases: out}, nil
}

func (f *fakeLedger) ReleaseLeases(context.Context, *ledgerv1.ReleaseLeasesRequest) (*ledgerv1.ReleaseLeasesResponse, error) {
	return &ledgerv1.ReleaseLeasesResponse{}, nil
}

func (f *fakeLedger) CompleteDelivery(context.Context, *ledgerv1.CompleteDeliveryRequest) (*ledgerv1.CompleteDeliveryResponse, error) {
	return &ledgerv1.CompleteDeliveryResponse{}, nil
}

func (f *fakeLedger) RetryDelivery(context.Context, *ledgerv1.RetryDeliveryRequest) (*ledgerv1.RetryDeliveryResponse, error) {
	return &ledgerv1.RetryDeliveryResponse{}, nil
}

func (f *fakeLedger) DeadLetterDelivery(context.Context, *ledgerv1.DeadLetterDeliveryRequest) (*ledgerv1.DeadLetterDeliveryResponse, error) {
	return &ledgerv1.DeadLetterDeliveryResponse{}, nil
}

// handler accepts every event but the delivery called "bad".
type handler struct {
	handlerv1.UnimplementedEventHandlerServiceServer
}

func (handler) HandleEvent(_ context.Context, in *handlerv1.HandleEventRequest) (*handlerv1.HandleEventResponse, error) {
	if in.GetDeliveryId() == "bad" {
		return nil, status.Error(codes.InvalidArgument, "cannot read it")
	}
	return &handlerv1.HandleEventResponse{}, nil
}

func testLease(id, sub, target string) *ledgerv1.Lease {
	return &ledgerv1.Lease{
		Delivery:     &ledgerv1.Delivery{DeliveryId: id, Subscription: sub, Platform: "stripe", EventId: "evt_" + id},
		LeaseToken:   "tok-" + id,
		Event:        &eventv1.NormalizedEvent{EventId: "evt_" + id, Platform: "stripe"},
		Subscription: &ledgerv1.Subscription{Name: sub, Target: target, Timeout: durationpb.New(2 * time.Second)},
	}
}

func loopback(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// serveGRPC serves srv on a loopback listener until the test ends.
func serveGRPC(t *testing.T, srv *grpcserver.Server) string {
	t.Helper()
	lis := loopback(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ctx, lis) }()
	t.Cleanup(func() { cancel(); <-done })
	return lis.Addr().String()
}

func adminGet(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestMetricsAfterDeliveries runs the dispatcher (Run) against a fake
// ledger over gRPC, with one handler that answers and one target that is
// down, and reads every delivery metric back from /metrics.
func TestMetricsAfterDeliveries(t *testing.T) {
	t.Parallel()
	const token = "dispatcher-token"
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	hs := grpcserver.New(discard)
	handlerv1.RegisterEventHandlerServiceServer(hs.GRPC, handler{})
	okTarget := serveGRPC(t, hs)
	gone := loopback(t)
	downTarget := gone.Addr().String()
	gone.Close() // connection refused: a network-class failure

	led := &fakeLedger{queue: []*ledgerv1.Lease{
		testLease("good", "ok-sub", okTarget),
		testLease("bad", "ok-sub", okTarget),
		testLease("down1", "down-sub", downTarget),
		testLease("down2", "down-sub", downTarget),
	}}
	ls := grpcserver.New(discard)
	ledgerv1.RegisterLedgerServiceServer(ls.GRPC, led)
	ledgerAddr := serveGRPC(t, ls)

	adminLis, grpcLis := loopback(t), loopback(t)
	cfg := Config{
		GRPCListener: grpcLis, AdminListener: adminLis, AdminToken: token, LedgerTarget: ledgerAddr, ID: "d-test",
		Capacity: 8, ClaimBatch: 8, LeaseDuration: time.Minute, PollInterval: 50 * time.Millisecond,
		// The second network failure in a row opens the breaker.
		BreakerFailures: 2, BreakerOpenFor: time.Minute, DrainTimeout: time.Second,
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	logs := &logBuffer{}
	go func() { done <- Run(ctx, cfg, slog.New(slog.NewTextHandler(logs, nil))) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v", err)
		}
	}()

	base := "http://" + adminLis.Addr().String()
	want := []string{
		`hookmesh_deliveries_total{outcome="delivered",subscription="ok-sub"} 1`,
		`hookmesh_deliveries_total{outcome="dead_lettered",subscription="ok-sub"} 1`,
		`hookmesh_deliveries_total{outcome="retried",subscription="down-sub"} 1`,
		`hookmesh_deliveries_total{outcome="deferred",subscription="down-sub"} 1`,
		`hookmesh_delivery_retries_total{class="network",subscription="down-sub"} 1`,
		`hookmesh_delivery_retries_total{class="breaker_open",subscription="down-sub"} 1`,
		`hookmesh_delivery_duration_seconds_count{subscription="ok-sub"} 2`,
		`hookmesh_delivery_duration_seconds_count{subscription="down-sub"} 2`,
		`hookmesh_breaker_state{target="` + okTarget + `"} 0`,
		`hookmesh_breaker_state{target="` + downTarget + `"} 2`,
		`hookmesh_breaker_transitions_total{state="open",target="` + downTarget + `"} 1`,
		`hookmesh_dispatcher_report_failures_total{report="complete"} 0`,
		`hookmesh_dispatcher_throttled_waits_total 0`,
		`hookmesh_dispatcher_in_flight 0`,
	}
	var text string
	deadline := time.Now().Add(15 * time.Second)
	for {
		var code int
		code, text = adminGet(t, base+"/metrics", token)
		missing := 0
		for _, w := range want {
			if !strings.Contains(text, w) {
				missing++
			}
		}
		if code == http.StatusOK && missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			for _, w := range want {
				if !strings.Contains(text, w) {
					t.Errorf("/metrics lacks %q", w)
				}
			}
			t.Fatalf("/metrics (%d):\n%s", code, text)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if strings.Contains(text, "evt_") || strings.Contains(text, `"good"`) {
		t.Error("an event or delivery id became a label value")
	}
	// One transition, one line (the metric above counted it once too).
	if n := strings.Count(logs.String(), "breaker changed state"); n != 1 {
		t.Errorf("%d breaker transition lines, want 1:\n%s", n, logs.String())
	}

	// The token guard: HTTP and the admin RPC.
	if code, _ := adminGet(t, base+"/metrics", ""); code != http.StatusUnauthorized {
		t.Errorf("/metrics without the token = %d, want 401", code)
	}
	conn, err := grpc.NewClient(grpcLis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := dispatcherv1.NewDispatcherServiceClient(conn)
	if _, err := c.GetStatus(context.Background(), &dispatcherv1.GetStatusRequest{}); status.Code(err) != codes.Unauthenticated {
		t.Errorf("GetStatus without the token = %v, want Unauthenticated", err)
	}
	authed := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+token)
	if st, err := c.GetStatus(authed, &dispatcherv1.GetStatusRequest{}); err != nil || st.GetDispatcherId() != "d-test" {
		t.Errorf("GetStatus with the token = %v, %v", st, err)
	}

	// /ready follows the ledger's health.
	if code, body := adminGet(t, base+"/ready", ""); code != http.StatusOK {
		t.Errorf("/ready = %d %s, want 200", code, body)
	}
	ls.Health.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	if code, _ := adminGet(t, base+"/ready", ""); code != http.StatusServiceUnavailable {
		t.Errorf("/ready with the ledger NOT_SERVING = %d, want 503", code)
	}
	if code, _ := adminGet(t, base+"/health", ""); code != http.StatusOK {
		t.Errorf("/health = %d, want 200", code)
	}
}

// TestAdminBindGuard: no token and a non-loopback admin address stop the
// dispatcher at start, naming the variable.
func TestAdminBindGuard(t *testing.T) {
	t.Parallel()
	cfg := Config{GRPCListener: loopback(t), AdminAddr: ":0", LedgerTarget: "127.0.0.1:1"}
	err := Run(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "HOOKMESH_DISPATCHER_ADMIN_ADDR") {
		t.Fatalf("Run = %v, want a refusal naming HOOKMESH_DISPATCHER_ADMIN_ADDR", err)
	}
}

// TestAdminMethods: GetStatus is the dispatcher's only RPC, and an admin
// one.
func TestAdminMethods(t *testing.T) {
	t.Parallel()
	desc := dispatcherv1.DispatcherService_ServiceDesc
	for _, m := range desc.Methods {
		if full := "/" + desc.ServiceName + "/" + m.MethodName; !admin.IsAdminMethod(full) {
			t.Errorf("%s is not in admin.Methods", full)
		}
	}
}

func TestConfigAdminDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := ConfigFromEnv(func(k string) (string, bool) {
		if k == admin.TokenVar {
			return "t", true
		}
		return "", false
	})
	if err != nil || cfg.AdminAddr != DefaultAdminAddr || cfg.AdminToken != "t" {
		t.Errorf("ConfigFromEnv = %+v, %v; want admin %s and the token", cfg, err, DefaultAdminAddr)
	}
}

// logBuffer collects a dispatcher's log lines for the test to read.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
