package renormalize

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	normalizerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/normalizer/v1"
)

// fakeLedger hands out queued batches of leases and records reports.
type fakeLedger struct {
	ledgerv1.LedgerServiceClient
	mu        sync.Mutex
	batches   [][]*ledgerv1.NormalizationLease
	claims    []*ledgerv1.ClaimNormalizationsRequest
	reports   []*ledgerv1.CompleteNormalizationRequest
	reportErr error
}

func (f *fakeLedger) ClaimNormalizations(_ context.Context, req *ledgerv1.ClaimNormalizationsRequest, _ ...grpc.CallOption) (*ledgerv1.ClaimNormalizationsResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.claims = append(f.claims, req)
	if len(f.batches) == 0 {
		return &ledgerv1.ClaimNormalizationsResponse{}, nil
	}
	b := f.batches[0]
	f.batches = f.batches[1:]
	return &ledgerv1.ClaimNormalizationsResponse{Leases: b}, nil
}

func (f *fakeLedger) CompleteNormalization(_ context.Context, req *ledgerv1.CompleteNormalizationRequest, _ ...grpc.CallOption) (*ledgerv1.CompleteNormalizationResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.reportErr != nil {
		return nil, f.reportErr
	}
	f.reports = append(f.reports, req)
	return &ledgerv1.CompleteNormalizationResponse{Normalized: req.GetEvent() != nil}, nil
}

func (f *fakeLedger) reported() []*ledgerv1.CompleteNormalizationRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*ledgerv1.CompleteNormalizationRequest(nil), f.reports...)
}

// fakeNormalizer answers per event id (the body): an error or an event.
type fakeNormalizer struct {
	errs map[string]error
	slow bool
}

func (f *fakeNormalizer) Normalize(ctx context.Context, req *normalizerv1.NormalizeRequest, _ ...grpc.CallOption) (*normalizerv1.NormalizeResponse, error) {
	if f.slow {
		<-ctx.Done()
		return nil, status.FromContextError(ctx.Err()).Err()
	}
	id := string(req.GetBody())
	if err := f.errs[id]; err != nil {
		return nil, err
	}
	return &normalizerv1.NormalizeResponse{Event: &eventv1.NormalizedEvent{
		Platform: req.GetPlatform(), EventId: id, EventType: eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
	}}, nil
}

func lease(id string) *ledgerv1.NormalizationLease {
	return &ledgerv1.NormalizationLease{Platform: "stripe", EventId: id, LeaseToken: "tok-" + id,
		Receipt: &ledgerv1.Receipt{Platform: "stripe", EventId: id, Body: []byte(id)}}
}

func TestOutcomes(t *testing.T) {
	t.Parallel()
	led := &fakeLedger{batches: [][]*ledgerv1.NormalizationLease{{lease("ok"), lease("down"), lease("slow"), lease("bad"), lease("gone")}}}
	norm := &fakeNormalizer{errs: map[string]error{
		"down": status.Error(codes.Unavailable, "connection refused"),
		"slow": status.Error(codes.DeadlineExceeded, "deadline"),
		"bad":  status.Error(codes.InvalidArgument, "unknown envelope"),
		"gone": status.Error(codes.NotFound, "unknown platform"),
	}}
	reg := prometheus.NewRegistry()
	w := New(Options{ID: "w1", Ledger: led, Normalizer: norm, Batch: 8, Registry: reg})
	n, err := w.RunOnce(context.Background())
	if err != nil || n != 5 {
		t.Fatalf("RunOnce = %d, %v; want 5 claimed", n, err)
	}
	if c := led.claims[0]; c.GetWorkerId() != "w1" || c.GetLimit() != 8 || c.GetLeaseDuration().AsDuration() < 2*w.opts.CallTimeout {
		t.Errorf("claim = %v, want worker w1, limit 8 and a lease covering a call and its report", c)
	}
	want := map[string]struct {
		normalized, retryable bool
	}{"ok": {true, false}, "down": {false, true}, "slow": {false, true}, "bad": {false, false}, "gone": {false, false}}
	reports := led.reported()
	if len(reports) != len(want) {
		t.Fatalf("reports = %v, want %d", reports, len(want))
	}
	for _, r := range reports {
		w, ok := want[r.GetEventId()]
		if !ok || (r.GetEvent() != nil) != w.normalized || r.GetRetryable() != w.retryable || r.GetLeaseToken() != "tok-"+r.GetEventId() {
			t.Errorf("report %v, want normalized=%v retryable=%v", r, w.normalized, w.retryable)
		}
		if !w.normalized && r.GetError() == "" {
			t.Errorf("report %v has no error", r)
		}
	}
	for outcome, n := range map[string]float64{OutcomeNormalized: 1, OutcomeRetried: 2, OutcomeFailed: 2} {
		if got := testutil.ToFloat64(w.outcomes.WithLabelValues(outcome)); got != n {
			t.Errorf("outcome %s = %v, want %v", outcome, got, n)
		}
	}
}

func TestNormalizeDeadlineIsRetryable(t *testing.T) {
	t.Parallel()
	led := &fakeLedger{batches: [][]*ledgerv1.NormalizationLease{{lease("x")}}}
	w := New(Options{Ledger: led, Normalizer: &fakeNormalizer{slow: true}, CallTimeout: 20 * time.Millisecond})
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r := led.reported(); len(r) != 1 || !r[0].GetRetryable() {
		t.Errorf("reports = %v, want one retryable", r)
	}
}

// TestSlowBatchStopsBeforeTheLeaseEnds: when calls are slow, the worker
// does not start a call its lease could not cover; the events it leaves
// are due again when the lease expires, instead of being worked on by two
// workers. Each call here takes its whole 50 ms timeout and the lease is
// 150 ms, so at most two of the five can start with 100 ms left.
func TestSlowBatchStopsBeforeTheLeaseEnds(t *testing.T) {
	t.Parallel()
	led := &fakeLedger{batches: [][]*ledgerv1.NormalizationLease{{lease("a"), lease("b"), lease("c"), lease("d"), lease("e")}}}
	w := New(Options{Ledger: led, Normalizer: &fakeNormalizer{slow: true}, Batch: 5,
		CallTimeout: 50 * time.Millisecond, LeaseDuration: time.Millisecond})
	if w.opts.LeaseDuration != 150*time.Millisecond {
		t.Fatalf("lease = %v, want it raised to three call timeouts", w.opts.LeaseDuration)
	}
	n, err := w.RunOnce(context.Background())
	if err != nil || n != 5 {
		t.Fatalf("RunOnce = %d, %v; want 5 claimed", n, err)
	}
	r := led.reported()
	if len(r) > 2 {
		t.Errorf("%d reports, want at most 2: calls were started that the lease could not cover", len(r))
	}
	for _, x := range r {
		if !x.GetRetryable() {
			t.Errorf("report %v, want retryable", x)
		}
	}
}

// TestRunPolls: the loop claims again at once after a full batch, then on
// its poll, and returns nil when its context ends.
func TestRunPolls(t *testing.T) {
	t.Parallel()
	led := &fakeLedger{batches: [][]*ledgerv1.NormalizationLease{{lease("a"), lease("b")}, {lease("c")}}}
	w := New(Options{Ledger: led, Normalizer: &fakeNormalizer{}, Batch: 2, PollInterval: 10 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for len(led.reported()) < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	// A batch appearing later is found by the poll.
	led.mu.Lock()
	led.batches = append(led.batches, []*ledgerv1.NormalizationLease{lease("d")})
	led.mu.Unlock()
	for len(led.reported()) < 4 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
	if r := led.reported(); len(r) != 4 {
		t.Errorf("reports = %v, want 4", r)
	}
}

func TestReportFailureCounted(t *testing.T) {
	t.Parallel()
	led := &fakeLedger{batches: [][]*ledgerv1.NormalizationLease{{lease("a")}},
		reportErr: status.Error(codes.FailedPrecondition, "lease lost")}
	w := New(Options{Ledger: led, Normalizer: &fakeNormalizer{}})
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(w.outcomes.WithLabelValues(OutcomeReportFailed)); got != 1 {
		t.Errorf("report_failed = %v, want 1", got)
	}
}
