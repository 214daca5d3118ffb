package dispatch

import (
	"context"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	handlerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/handler/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/dispatcher/internal/breaker"
	"github.com/hookmesh/hookmesh/services/dispatcher/internal/retry"
)

// fakeLedger hands out queued leases once and records the outcomes
// reported: enough to test the dispatcher's decisions in isolation. The
// real ledger is exercised by the integration and end-to-end tests.
type fakeLedger struct {
	ledgerv1.LedgerServiceClient
	mu       sync.Mutex
	queue    []*ledgerv1.Lease
	outcomes chan any
	// unavailable makes that many complete reports fail as if the ledger
	// restarted.
	unavailable int
	refused     int
	// noBatch makes ReportOutcomes answer Unimplemented, as an older
	// ledger does.
	noBatch bool
	// batchDelay slows each ReportOutcomes call, so reports queue behind it.
	batchDelay time.Duration
	// batches and batched count ReportOutcomes calls and their outcomes;
	// singles counts the single outcome RPCs.
	batches, batched, singles int
	// releaseErrs are answered, in turn, to the first ReleaseLeases calls.
	releaseErrs []error
	// calls logs ReleaseLeases ("release <id>") and ClaimDeliveries
	// ("claim <id>") in order.
	calls []string
	// claims are the ClaimDeliveries requests, in order.
	claims []*ledgerv1.ClaimDeliveriesRequest
	// ignoreGates hands out leases whatever skip_targets and
	// probe_targets say, as a ledger older than them does.
	ignoreGates bool
	// throttle, when set, is answered as throttled_until = now + throttle
	// to every claim; claimedAt records when each claim came.
	throttle  time.Duration
	claimedAt []time.Time
}

func (f *fakeLedger) ReleaseLeases(_ context.Context, in *ledgerv1.ReleaseLeasesRequest, _ ...grpc.CallOption) (*ledgerv1.ReleaseLeasesResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "release "+in.GetDispatcherId())
	if len(f.releaseErrs) > 0 {
		err := f.releaseErrs[0]
		f.releaseErrs = f.releaseErrs[1:]
		return nil, err
	}
	return &ledgerv1.ReleaseLeasesResponse{Released: 2}, nil
}

// callLog returns a copy of calls.
func (f *fakeLedger) callLog() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func (f *fakeLedger) ClaimDeliveries(_ context.Context, in *ledgerv1.ClaimDeliveriesRequest, _ ...grpc.CallOption) (*ledgerv1.ClaimDeliveriesResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "claim "+in.GetDispatcherId())
	f.claims = append(f.claims, in)
	// As the ledger: nothing of a skipped target, one lease of a probed
	// one, the rest in queue order.
	var out, kept []*ledgerv1.Lease
	probed := map[string]bool{}
	for _, l := range f.queue {
		target := l.GetSubscription().GetTarget()
		take := len(out) < int(in.GetLimit()) && (f.ignoreGates || !slices.Contains(in.GetSkipTargets(), target) &&
			(!slices.Contains(in.GetProbeTargets(), target) || !probed[target]))
		if take {
			out = append(out, l)
			probed[target] = true
		} else {
			kept = append(kept, l)
		}
	}
	f.queue = kept
	f.claimedAt = append(f.claimedAt, time.Now())
	resp := &ledgerv1.ClaimDeliveriesResponse{Leases: out}
	if f.throttle > 0 {
		resp.ThrottledUntil = timestamppb.New(time.Now().Add(f.throttle))
	}
	return resp, nil
}

// ReportOutcomes applies each outcome as its single RPC does.
func (f *fakeLedger) ReportOutcomes(_ context.Context, in *ledgerv1.ReportOutcomesRequest, _ ...grpc.CallOption) (*ledgerv1.ReportOutcomesResponse, error) {
	f.mu.Lock()
	f.batches++
	noBatch, delay := f.noBatch, f.batchDelay
	if !noBatch {
		f.batched += len(in.GetOutcomes())
	}
	f.mu.Unlock()
	if noBatch {
		return nil, status.Error(codes.Unimplemented, "unknown method ReportOutcomes")
	}
	time.Sleep(delay)
	resp := &ledgerv1.ReportOutcomesResponse{}
	for _, o := range in.GetOutcomes() {
		var err error
		switch r := o.GetReport().(type) {
		case *ledgerv1.Outcome_Complete:
			err = f.complete(r.Complete)
		case *ledgerv1.Outcome_Retry:
			f.outcomes <- r.Retry
		case *ledgerv1.Outcome_DeadLetter:
			f.outcomes <- r.DeadLetter
		}
		st := status.Convert(err)
		resp.Results = append(resp.Results, &ledgerv1.OutcomeResult{Code: int32(st.Code()), Message: st.Message()})
	}
	return resp, nil
}

func (f *fakeLedger) single() {
	f.mu.Lock()
	f.singles++
	f.mu.Unlock()
}

func (f *fakeLedger) complete(in *ledgerv1.CompleteDeliveryRequest) error {
	f.mu.Lock()
	fail := f.unavailable > 0
	if fail {
		f.unavailable--
		f.refused++
	}
	f.mu.Unlock()
	if fail {
		return status.Error(codes.Unavailable, "ledger restarting")
	}
	f.outcomes <- in
	return nil
}

func (f *fakeLedger) CompleteDelivery(_ context.Context, in *ledgerv1.CompleteDeliveryRequest, _ ...grpc.CallOption) (*ledgerv1.CompleteDeliveryResponse, error) {
	f.single()
	if err := f.complete(in); err != nil {
		return nil, err
	}
	return &ledgerv1.CompleteDeliveryResponse{}, nil
}

func (f *fakeLedger) RetryDelivery(_ context.Context, in *ledgerv1.RetryDeliveryRequest, _ ...grpc.CallOption) (*ledgerv1.RetryDeliveryResponse, error) {
	f.single()
	f.outcomes <- in
	return &ledgerv1.RetryDeliveryResponse{}, nil
}

func (f *fakeLedger) DeadLetterDelivery(_ context.Context, in *ledgerv1.DeadLetterDeliveryRequest, _ ...grpc.CallOption) (*ledgerv1.DeadLetterDeliveryResponse, error) {
	f.single()
	f.outcomes <- in
	return &ledgerv1.DeadLetterDeliveryResponse{}, nil
}

func (f *fakeLedger) WatchDeliveries(ctx context.Context, _ *ledgerv1.WatchDeliveriesRequest, _ ...grpc.CallOption) (grpc.ServerStreamingClient[ledgerv1.WatchDeliveriesResponse], error) {
	return nil, status.Error(codes.Unimplemented, "no stream in the fake")
}

type handlerFunc func(context.Context, *handlerv1.HandleEventRequest) error

func (h handlerFunc) HandleEvent(ctx context.Context, in *handlerv1.HandleEventRequest, _ ...grpc.CallOption) (*handlerv1.HandleEventResponse, error) {
	if err := h(ctx, in); err != nil {
		return nil, err
	}
	return &handlerv1.HandleEventResponse{}, nil
}

type handlers struct{ h handlerFunc }

func (hs handlers) Client(string) (handlerv1.EventHandlerServiceClient, error) { return hs.h, nil }

func lease(id string, attempts int32) *ledgerv1.Lease {
	return &ledgerv1.Lease{
		Delivery:     &ledgerv1.Delivery{DeliveryId: id, Subscription: "payments", Platform: "stripe", EventId: "evt_" + id, Attempts: attempts},
		LeaseToken:   "tok-" + id,
		Event:        &eventv1.NormalizedEvent{EventId: "evt_" + id, Platform: "stripe"},
		Subscription: &ledgerv1.Subscription{Name: "payments", Target: "handler:1", Timeout: durationpb.New(time.Second)},
	}
}

func start(t *testing.T, h handlerFunc, set *breaker.Set, leases ...*ledgerv1.Lease) (*fakeLedger, context.CancelFunc, <-chan error) {
	t.Helper()
	led := &fakeLedger{queue: leases, outcomes: make(chan any, 100)}
	cancel, done := run(t, led, h, set)
	return led, cancel, done
}

// run runs a Dispatcher over led until the test ends.
func run(t *testing.T, led *fakeLedger, h handlerFunc, set *breaker.Set) (context.CancelFunc, <-chan error) {
	t.Helper()
	return runLogged(t, led, h, set, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// runLogged is run with the dispatcher's logger.
func runLogged(t *testing.T, led *fakeLedger, h handlerFunc, set *breaker.Set, log *slog.Logger) (context.CancelFunc, <-chan error) {
	t.Helper()
	if set == nil {
		set = breaker.New(breaker.Settings{Failures: 100, OpenFor: time.Minute})
	}
	d := New(Options{
		ID: "d1", Ledger: led, Handlers: handlers{h}, Breakers: set,
		Capacity: 8, ClaimBatch: 8, LeaseDuration: time.Minute, PollInterval: 20 * time.Millisecond,
		DrainTimeout: 200 * time.Millisecond, Jitter: func(d time.Duration) time.Duration { return d },
		Log: log,
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return cancel, done
}

func next(t *testing.T, led *fakeLedger) any {
	t.Helper()
	select {
	case o := <-led.outcomes:
		return o
	case <-time.After(5 * time.Second):
		t.Fatal("no outcome reported")
		return nil
	}
}

func TestOutcomes(t *testing.T) {
	t.Parallel()
	retryInfo, _ := status.New(codes.ResourceExhausted, "slow down").WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(7 * time.Second)})
	tests := []struct {
		name  string
		err   error
		check func(t *testing.T, o any)
	}{
		{"ok completes", nil, func(t *testing.T, o any) {
			// Every outcome of a call carries its measured duration.
			if c, ok := o.(*ledgerv1.CompleteDeliveryRequest); !ok || c.GetLeaseToken() != "tok-1" || c.GetDuration() == nil {
				t.Errorf("outcome %T %v, want Complete with the lease token and the call's duration", o, o)
			}
		}},
		{"invalid argument dead-letters at once", status.Error(codes.InvalidArgument, "bad amount"), func(t *testing.T, o any) {
			dl, ok := o.(*ledgerv1.DeadLetterDeliveryRequest)
			if !ok || dl.GetErrorClass() != ledgerv1.ErrorClass_ERROR_CLASS_VALIDATION || dl.GetError() != "bad amount" ||
				dl.GetDuration() == nil {
				t.Errorf("outcome %T %v, want a validation dead letter", o, o)
			}
		}},
		{"resource exhausted waits the fixed delay", status.Error(codes.ResourceExhausted, "slow down"), func(t *testing.T, o any) {
			r, ok := o.(*ledgerv1.RetryDeliveryRequest)
			if !ok || !r.GetCountAttempt() || r.GetErrorClass() != ledgerv1.ErrorClass_ERROR_CLASS_THROTTLED {
				t.Fatalf("outcome %T %v, want a counted throttled retry", o, o)
			}
			if wait := time.Until(r.GetNextAttemptAt().AsTime()); wait < 55*time.Second || wait > 60*time.Second {
				t.Errorf("next attempt in %v, want the fixed 60 s", wait)
			}
		}},
		{"resource exhausted with a hint", retryInfo.Err(), func(t *testing.T, o any) {
			r := o.(*ledgerv1.RetryDeliveryRequest)
			if wait := time.Until(r.GetNextAttemptAt().AsTime()); wait < 5*time.Second || wait > 7*time.Second {
				t.Errorf("next attempt in %v, want the handler's 7 s", wait)
			}
		}},
		{"unavailable retries with backoff", status.Error(codes.Unavailable, "down"), func(t *testing.T, o any) {
			r := o.(*ledgerv1.RetryDeliveryRequest)
			if !r.GetCountAttempt() || r.GetErrorClass() != ledgerv1.ErrorClass_ERROR_CLASS_NETWORK || r.GetDuration() == nil {
				t.Errorf("outcome %v, want a counted network retry with the call's duration", r)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got *handlerv1.HandleEventRequest
			var mu sync.Mutex
			led, _, _ := start(t, func(_ context.Context, in *handlerv1.HandleEventRequest) error {
				mu.Lock()
				got = in
				mu.Unlock()
				return tt.err
			}, nil, lease("1", 0))
			tt.check(t, next(t, led))
			mu.Lock()
			defer mu.Unlock()
			if got.GetDeliveryId() != "1" || got.GetAttempt() != 1 || got.GetSubscription() != "payments" || got.GetEvent().GetEventId() != "evt_1" {
				t.Errorf("handler got %v", got)
			}
		})
	}
}

func TestLastAttemptDeadLetters(t *testing.T) {
	t.Parallel()
	led, _, _ := start(t, func(context.Context, *handlerv1.HandleEventRequest) error {
		return status.Error(codes.Unavailable, "down")
	}, nil, lease("1", 4))
	if _, ok := next(t, led).(*ledgerv1.DeadLetterDeliveryRequest); !ok {
		t.Fatal("the fifth network failure did not dead-letter")
	}
}

// TestOpenBreakerDefersWithoutCountingOrCalling: a delivery that reaches
// an open breaker (claimed before it opened, or from a ledger that ignores
// skip_targets) is deferred to the half-open time, uncounted and with no
// code (so the ledger keeps no history row), and without an Info line.
func TestOpenBreakerDefersWithoutCountingOrCalling(t *testing.T) {
	t.Parallel()
	set := breaker.New(breaker.Settings{Failures: 1, OpenFor: time.Minute, Counts: func(err error) bool {
		return retry.Classify(status.Code(err)) == ledgerv1.ErrorClass_ERROR_CLASS_NETWORK
	}})
	_ = set.Do("handler:1", func() error { return status.Error(codes.Unavailable, "down") })
	calls := 0
	led := &fakeLedger{queue: []*ledgerv1.Lease{lease("1", 2)}, outcomes: make(chan any, 10), ignoreGates: true}
	var logs syncBuffer
	runLogged(t, led, func(context.Context, *handlerv1.HandleEventRequest) error { calls++; return nil }, set,
		slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	r, ok := next(t, led).(*ledgerv1.RetryDeliveryRequest)
	if !ok || r.GetCountAttempt() || r.GetErrorClass() != ledgerv1.ErrorClass_ERROR_CLASS_BREAKER_OPEN || r.GetCode() != "" ||
		r.GetDuration() != nil {
		t.Fatalf("outcome %v, want an uncounted breaker deferral without a code or a duration", r)
	}
	line := logs.waitLine(t, "delivery deferred")
	if !strings.Contains(line, "level=DEBUG") {
		t.Errorf("a delivery held by the breaker was logged above Debug: %s", line)
	}
	// The delivery's own attributes come first, then the line's.
	if !regexp.MustCompile(`delivery_id=1 subscription=payments platform=stripe event_id=evt_1 (trace_id=[0-9a-f]{32} )?class=`).MatchString(line) {
		t.Errorf("the line does not name the delivery before its own attributes: %s", line)
	}
	if wait := time.Until(r.GetNextAttemptAt().AsTime()); wait < 50*time.Second {
		t.Errorf("deferred for %v, want until the breaker half-opens (~1 min)", wait)
	}
	if calls != 0 {
		t.Errorf("handler called %d times through an open breaker", calls)
	}
}

func TestShutdownReleasesStuckDeliveries(t *testing.T) {
	t.Parallel()
	block := make(chan struct{})
	defer close(block)
	led, cancel, done := start(t, func(ctx context.Context, _ *handlerv1.HandleEventRequest) error {
		select {
		case <-block:
			return nil
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		}
	}, nil, lease("1", 0))
	time.Sleep(100 * time.Millisecond) // let the call start
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after the drain timeout")
	}
	r, ok := next(t, led).(*ledgerv1.RetryDeliveryRequest)
	if !ok || r.GetCountAttempt() {
		t.Fatalf("outcome %v, want an uncounted release", r)
	}
	if time.Until(r.GetNextAttemptAt().AsTime()) > time.Second {
		t.Errorf("released delivery due at %v, want now", r.GetNextAttemptAt().AsTime())
	}
}

func TestOutcomeReportRetriedWhileTheLedgerIsBack(t *testing.T) {
	t.Parallel()
	calls := 0
	var mu sync.Mutex
	led := &fakeLedger{queue: []*ledgerv1.Lease{lease("1", 0)}, outcomes: make(chan any, 10), unavailable: 3}
	d := New(Options{
		ID: "d1", Ledger: led, Handlers: handlers{func(context.Context, *handlerv1.HandleEventRequest) error {
			mu.Lock()
			calls++
			mu.Unlock()
			return nil
		}},
		Breakers: breaker.New(breaker.Settings{Failures: 100, OpenFor: time.Minute}),
		Capacity: 8, ClaimBatch: 8, LeaseDuration: time.Minute, PollInterval: 20 * time.Millisecond,
		DrainTimeout: time.Second, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() { cancel(); <-done }()
	if c, ok := next(t, led).(*ledgerv1.CompleteDeliveryRequest); !ok || c.GetDeliveryId() != "1" {
		t.Fatalf("outcome %v, want the completion to land once the ledger answers", c)
	}
	led.mu.Lock()
	refused := led.refused
	led.mu.Unlock()
	mu.Lock()
	defer mu.Unlock()
	if refused != 3 || calls != 1 {
		t.Errorf("refused reports %d, handler calls %d; want 3 retried reports and one call", refused, calls)
	}
}

// TestStartReleasesOwnLeasesFirst: Run releases the leases held under its
// id once, before its first claim, retrying a ledger that is unavailable
// at start, and never sends the release again.
func TestStartReleasesOwnLeasesFirst(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		errs []error
		want []string
	}{
		{"released", nil, []string{"release d1", "claim d1"}},
		{"ledger starting", []error{status.Error(codes.Unavailable, "connection refused")},
			[]string{"release d1", "release d1", "claim d1"}},
		{"older ledger", []error{status.Error(codes.Unimplemented, "unknown method")}, []string{"release d1", "claim d1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			led := &fakeLedger{outcomes: make(chan any, 1), releaseErrs: tc.errs}
			run(t, led, func(context.Context, *handlerv1.HandleEventRequest) error { return nil }, nil)
			deadline := time.Now().Add(5 * time.Second)
			for {
				calls := led.callLog()
				if len(calls) >= len(tc.want)+2 { // and a few polls after
					if !slices.Equal(calls[:len(tc.want)], tc.want) {
						t.Fatalf("calls %v, want them to start with %v", calls, tc.want)
					}
					if n := slices.Index(calls[len(tc.want):], "release d1"); n >= 0 {
						t.Fatalf("calls %v: release sent again after the first claim", calls)
					}
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("calls %v, want them to start with %v and go on claiming", calls, tc.want)
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
}

// TestClaimsAgainAtThrottledUntil: a claim that says a subscription waits
// for its rate's next token (throttled_until) makes the dispatcher claim
// again then, though its poll is an hour away, and not before: the claims
// come at the token's pace, neither at the poll's nor in a loop.
func TestClaimsAgainAtThrottledUntil(t *testing.T) {
	const throttle = 30 * time.Millisecond
	led := &fakeLedger{outcomes: make(chan any, 100), throttle: throttle}
	d := New(Options{
		ID: "d1", Ledger: led, Handlers: handlers{func(context.Context, *handlerv1.HandleEventRequest) error { return nil }},
		Breakers: breaker.New(breaker.Settings{Failures: 100, OpenFor: time.Minute}),
		Capacity: 8, ClaimBatch: 8, LeaseDuration: time.Minute, PollInterval: time.Hour,
		DrainTimeout: 200 * time.Millisecond, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() { cancel(); <-done }()
	const want = 6
	var times []time.Time
	for deadline := time.Now().Add(30 * time.Second); len(times) < want; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d claims with the poll an hour away, want %d at throttled_until", len(times), want)
		}
		led.mu.Lock()
		times = slices.Clone(led.claimedAt)
		led.mu.Unlock()
	}
	// Each claim answered "next token in 30 ms": the next claim may come
	// later (a busy machine), never sooner. A millisecond of slack for
	// the clocks' rounding.
	for i := 1; i < len(times); i++ {
		if gap := times[i].Sub(times[i-1]); gap < throttle-time.Millisecond {
			t.Errorf("claim %d came %v after the previous one, before its throttled_until (%v)", i, gap, throttle)
		}
	}
}
