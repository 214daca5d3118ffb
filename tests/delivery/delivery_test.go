// Package delivery tests the dispatcher against the real ledger binary on
// PostgreSQL and a programmable handler: leases, breakers, retry classes,
// dead letters and fairness.
package delivery

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	handlerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/handler/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/tests/harness"
)

var bins map[string]string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hookmesh-delivery-bins")
	if err != nil {
		panic(err)
	}
	bins = harness.Build(buildTB{}, dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildTB lets Build run before any test exists.
type buildTB struct{ testing.TB }

func (buildTB) Helper()                           {}
func (buildTB) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

const payments = eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED

func ctxT(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func subscribe(t *testing.T, led ledgerv1.LedgerServiceClient, s *ledgerv1.Subscription) {
	t.Helper()
	if _, err := led.CreateSubscription(ctxT(t, 10*time.Second), &ledgerv1.CreateSubscriptionRequest{Subscription: s}); err != nil {
		t.Fatalf("create subscription %s: %v", s.GetName(), err)
	}
}

func record(t testing.TB, led ledgerv1.LedgerServiceClient, platform, eventID string) {
	t.Helper()
	now := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := led.Record(ctx, &ledgerv1.RecordRequest{
		Receipt: &ledgerv1.Receipt{
			ReceiptId: uuid.NewString(), Platform: platform, EventId: eventID,
			Headers: map[string]string{"content-type": "application/json"}, Body: []byte(`{"id":"` + eventID + `"}`),
			ReceivedAt: timestamppb.New(now), RemoteAddr: "127.0.0.1:1",
		},
		Event: &eventv1.NormalizedEvent{
			EventId: eventID, Platform: platform, EventType: payments, SourceEventType: "payment_intent.succeeded",
			OccurredAt: timestamppb.New(now), ReceivedAt: timestamppb.New(now), EntityType: "payment_intent", EntityId: "pi_" + eventID,
			Amount: &eventv1.Money{MinorUnits: 1999, Currency: "USD"}, SchemaVersion: 1,
		},
	})
	if err != nil {
		t.Fatalf("record %s: %v", eventID, err)
	}
}

func deliveries(t *testing.T, led ledgerv1.LedgerServiceClient, platform, eventID string) []*ledgerv1.Delivery {
	t.Helper()
	resp, err := led.ListDeliveries(ctxT(t, 10*time.Second), &ledgerv1.ListDeliveriesRequest{Platform: platform, EventId: eventID})
	if err != nil {
		t.Fatalf("list deliveries of %s: %v", eventID, err)
	}
	return resp.GetDeliveries()
}

// waitState polls until the event's single delivery reaches state.
func waitState(t *testing.T, led ledgerv1.LedgerServiceClient, platform, eventID string, state ledgerv1.DeliveryState, within time.Duration) *ledgerv1.Delivery {
	t.Helper()
	deadline := time.Now().Add(within)
	var last []*ledgerv1.Delivery
	for time.Now().Before(deadline) {
		last = deliveries(t, led, platform, eventID)
		if len(last) == 1 && last[0].GetState() == state {
			return last[0]
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("delivery of %s not %v within %v: %v", eventID, state, within, last)
	return nil
}

func TestTwoDispatchersShareWorkWithoutOverlap(t *testing.T) {
	t.Parallel()
	addr, _, led := harness.StartLedger(t, bins)
	h := harness.StartHandler(t, func(ctx context.Context, _ *handlerv1.HandleEventRequest) error {
		time.Sleep(20 * time.Millisecond)
		return nil
	})
	subscribe(t, led, &ledgerv1.Subscription{Name: "shared", Target: h.Addr, Timeout: durationpb.New(2 * time.Second), MaxConcurrency: 8})
	harness.StartDispatcher(t, bins, "d1", addr, nil)
	harness.StartDispatcher(t, bins, "d2", addr, nil)
	const n = 200
	for i := range n {
		record(t, led, "stripe", fmt.Sprintf("evt_share_%d", i))
	}
	for i := range n {
		waitState(t, led, "stripe", fmt.Sprintf("evt_share_%d", i), ledgerv1.DeliveryState_DELIVERY_STATE_DELIVERED, 30*time.Second)
	}
	if o := h.Overlapped(); len(o) > 0 {
		t.Fatalf("deliveries handled by two dispatchers at once: %v", o)
	}
	calls := h.Calls()
	if len(calls) != n {
		t.Fatalf("handler saw %d deliveries, want %d", len(calls), n)
	}
	for id, c := range calls {
		if c != 1 {
			t.Errorf("delivery %s made %d times without any failure", id, c)
		}
	}
}

func TestKilledDispatcherLosesNothing(t *testing.T) {
	t.Parallel()
	addr, _, led := harness.StartLedger(t, bins)
	started := make(chan struct{}, 1)
	var once sync.Once
	h := harness.StartHandler(t, func(ctx context.Context, _ *handlerv1.HandleEventRequest) error {
		block := false
		once.Do(func() { block = true })
		if block {
			started <- struct{}{}
			<-ctx.Done() // the first call hangs until its caller dies
			return ctx.Err()
		}
		return nil
	})
	subscribe(t, led, &ledgerv1.Subscription{Name: "killed", Target: h.Addr, Timeout: durationpb.New(time.Second)})
	env := map[string]string{"HOOKMESH_DISPATCHER_LEASE": "1s"}
	d1 := harness.StartDispatcher(t, bins, "d1", addr, env)
	record(t, led, "stripe", "evt_killed")
	select {
	case <-started:
	case <-time.After(20 * time.Second):
		t.Fatal("first dispatcher never called the handler")
	}
	d1.Kill()
	harness.StartDispatcher(t, bins, "d2", addr, env)
	d := waitState(t, led, "stripe", "evt_killed", ledgerv1.DeliveryState_DELIVERY_STATE_DELIVERED, 30*time.Second)
	if got := h.Calls()[d.GetDeliveryId()]; got != 2 {
		t.Errorf("handler calls = %d, want 2 (the killed attempt and the reclaimed one)", got)
	}
}

// TestRestartedDispatcherTakesBackItsLeases: a dispatcher killed while
// holding leases and restarted under the same id (a container restart)
// releases them at start, so they are delivered at once instead of after
// the lease. The lease is a minute, so a delivery within a few seconds can
// only come from the release.
func TestRestartedDispatcherTakesBackItsLeases(t *testing.T) {
	t.Parallel()
	const n = 3
	addr, _, led := harness.StartLedger(t, bins)
	started := make(chan struct{}, n)
	var (
		mu    sync.Mutex
		first = true // calls hang until the first dispatcher dies
	)
	h := harness.StartHandler(t, func(ctx context.Context, _ *handlerv1.HandleEventRequest) error {
		mu.Lock()
		block := first
		mu.Unlock()
		if block {
			started <- struct{}{}
			<-ctx.Done()
			return ctx.Err()
		}
		return nil
	})
	// The call timeout is long enough that the first dispatcher cannot
	// give up and report before it is killed. The lease is ten minutes, far
	// past every wait below: a delivery made again after the restart was
	// released, not expired (its history says so, checked below).
	subscribe(t, led, &ledgerv1.Subscription{Name: "restarted", Target: h.Addr, Timeout: durationpb.New(20 * time.Second)})
	env := map[string]string{"HOOKMESH_DISPATCHER_LEASE": "10m"}
	d1 := harness.StartDispatcher(t, bins, "same-id", addr, env)
	for i := range n {
		record(t, led, "stripe", fmt.Sprintf("evt_restart_%d", i))
	}
	for range n {
		select {
		case <-started:
		case <-time.After(20 * time.Second):
			t.Fatal("the first dispatcher did not call the handler for every delivery")
		}
	}
	d1.Kill()
	mu.Lock()
	first = false
	mu.Unlock()

	restarted := time.Now()
	harness.StartDispatcher(t, bins, "same-id", addr, env)
	for i := range n {
		id := fmt.Sprintf("evt_restart_%d", i)
		d := waitState(t, led, "stripe", id, ledgerv1.DeliveryState_DELIVERY_STATE_DELIVERED, 2*time.Minute)
		if d.GetAttempts() != 1 {
			t.Errorf("%s: %d counted attempts, want 1 (the release does not count)", id, d.GetAttempts())
		}
		released := false
		for _, a := range d.GetHistory() {
			released = released || (a.GetError() == "released at dispatcher restart" && a.GetDispatcherId() == "same-id")
		}
		if !released {
			t.Errorf("%s: history %v has no release by same-id", id, d.GetHistory())
		}
	}
	t.Logf("all %d delivered %v after the restart", n, time.Since(restarted).Round(time.Millisecond))
}

func TestBreakerDefersWithoutBurningAttempts(t *testing.T) {
	t.Parallel()
	addr, _, led := harness.StartLedger(t, bins)
	var mu sync.Mutex
	down, failures := true, 0
	h := harness.StartHandler(t, func(context.Context, *handlerv1.HandleEventRequest) error {
		mu.Lock()
		defer mu.Unlock()
		if down {
			failures++
			return status.Error(codes.Unavailable, "handler down")
		}
		return nil
	})
	subscribe(t, led, &ledgerv1.Subscription{
		Name: "breaker", Target: h.Addr, Timeout: durationpb.New(time.Second),
		RetryPolicy: &ledgerv1.RetryPolicy{Network: &ledgerv1.ClassPolicy{
			MaxAttempts: 50, Delay: durationpb.New(100 * time.Millisecond), MaxDelay: durationpb.New(200 * time.Millisecond),
		}},
	})
	harness.StartDispatcher(t, bins, "d1", addr, map[string]string{
		"HOOKMESH_BREAKER_FAILURES": "3", "HOOKMESH_BREAKER_OPEN_FOR": "1s",
	})
	const n = 20
	for i := range n {
		record(t, led, "stripe", fmt.Sprintf("evt_breaker_%d", i))
	}
	time.Sleep(3 * time.Second) // down long enough for the breaker to open and half-open twice
	mu.Lock()
	down = false
	calledWhileDown := failures
	mu.Unlock()

	// Every failed call is in the history exactly once: as a counted
	// network attempt, or — when it tripped or re-tripped the breaker — as
	// an uncounted breaker entry carrying the handler's code and saying
	// the target is unavailable. Deliveries the breaker held made no call
	// and have no entry at all.
	counted, tripping, deferred := 0, 0, 0
	for i := range n {
		d := waitState(t, led, "stripe", fmt.Sprintf("evt_breaker_%d", i), ledgerv1.DeliveryState_DELIVERY_STATE_DELIVERED, 30*time.Second)
		for _, a := range deliveries(t, led, "stripe", d.GetEventId())[0].GetHistory() {
			switch a.GetErrorClass() {
			case ledgerv1.ErrorClass_ERROR_CLASS_NETWORK:
				counted++
			case ledgerv1.ErrorClass_ERROR_CLASS_BREAKER_OPEN:
				if a.GetAttempt() != 0 {
					t.Errorf("breaker entry counted as attempt %d", a.GetAttempt())
				}
				if a.GetCode() == "" {
					deferred++
				} else {
					tripping++
					if !strings.HasPrefix(a.GetError(), "target unavailable since ") {
						t.Errorf("breaker entry %q does not say since when the target is unavailable", a.GetError())
					}
				}
			}
		}
	}
	if tripping == 0 {
		t.Fatal("no call opened the breaker")
	}
	if deferred != 0 {
		t.Errorf("%d history entries for deliveries held by the open breaker, want none (no call was made)", deferred)
	}
	if counted+tripping != calledWhileDown {
		t.Errorf("history has %d counted + %d tripping failures, handler failed %d calls: attempts were burned without calls", counted, tripping, calledWhileDown)
	}
	if calledWhileDown >= n*5 {
		t.Errorf("handler was called %d times while down: the breaker did not hold calls back", calledWhileDown)
	}
}

// TestOutageLongerThanTheRetryBudget: one delivery to a handler that is down
// for longer than its network retries last must wait for the handler, not
// become a dead letter — the breaker, not the delivery, absorbs the outage.
func TestOutageLongerThanTheRetryBudget(t *testing.T) {
	t.Parallel()
	addr, _, led := harness.StartLedger(t, bins)
	var mu sync.Mutex
	down := true
	h := harness.StartHandler(t, func(context.Context, *handlerv1.HandleEventRequest) error {
		mu.Lock()
		defer mu.Unlock()
		if down {
			return status.Error(codes.Unavailable, "handler down")
		}
		return nil
	})
	subscribe(t, led, &ledgerv1.Subscription{
		Name: "outage", Target: h.Addr, Timeout: durationpb.New(time.Second),
		RetryPolicy: &ledgerv1.RetryPolicy{Network: &ledgerv1.ClassPolicy{
			MaxAttempts: 3, Delay: durationpb.New(100 * time.Millisecond), MaxDelay: durationpb.New(200 * time.Millisecond),
		}},
	})
	harness.StartDispatcher(t, bins, "d1", addr, map[string]string{
		"HOOKMESH_BREAKER_FAILURES": "3", "HOOKMESH_BREAKER_OPEN_FOR": "1s",
	})
	record(t, led, "stripe", "evt_outage")
	time.Sleep(4 * time.Second) // several times the retry budget (3 attempts, 0.2 s apart)
	if d := deliveries(t, led, "stripe", "evt_outage")[0]; d.GetState() != ledgerv1.DeliveryState_DELIVERY_STATE_PENDING {
		t.Fatalf("during the outage the delivery is %v after %d attempts, want still pending", d.GetState(), d.GetAttempts())
	}
	mu.Lock()
	down = false
	mu.Unlock()
	waitState(t, led, "stripe", "evt_outage", ledgerv1.DeliveryState_DELIVERY_STATE_DELIVERED, 20*time.Second)
}

func TestRetryClassesAndReplay(t *testing.T) {
	t.Parallel()
	addr, _, led := harness.StartLedger(t, bins)
	var mu sync.Mutex
	reject := true
	h := harness.StartHandler(t, func(_ context.Context, req *handlerv1.HandleEventRequest) error {
		mu.Lock()
		defer mu.Unlock()
		switch req.GetEvent().GetEventId() {
		case "evt_invalid":
			if reject {
				return status.Error(codes.InvalidArgument, "amount is negative")
			}
		case "evt_throttled":
			return status.Error(codes.ResourceExhausted, "slow down")
		}
		return nil
	})
	subscribe(t, led, &ledgerv1.Subscription{Name: "classes", Target: h.Addr, Timeout: durationpb.New(time.Second)})
	harness.StartDispatcher(t, bins, "d1", addr, nil)

	record(t, led, "stripe", "evt_invalid")
	dead := waitState(t, led, "stripe", "evt_invalid", ledgerv1.DeliveryState_DELIVERY_STATE_DEAD, 20*time.Second)
	if dead.GetAttempts() != 1 || h.Calls()[dead.GetDeliveryId()] != 1 {
		t.Errorf("invalid argument: attempts %d, calls %d; want dead letter after exactly one", dead.GetAttempts(), h.Calls()[dead.GetDeliveryId()])
	}
	list, err := led.ListDeadLetters(ctxT(t, 10*time.Second), &ledgerv1.ListDeadLettersRequest{Subscription: "classes"})
	if err != nil || len(list.GetDeadLetters()) != 1 || list.GetDeadLetters()[0].GetLastError() == "" {
		t.Fatalf("dead letters = %v, %v", list, err)
	}

	record(t, led, "stripe", "evt_throttled")
	before := time.Now()
	deadline := time.Now().Add(20 * time.Second)
	for {
		d := deliveries(t, led, "stripe", "evt_throttled")[0]
		if d.GetAttempts() == 1 {
			wait := d.GetNextAttemptAt().AsTime().Sub(before)
			if d.GetState() != ledgerv1.DeliveryState_DELIVERY_STATE_PENDING || wait < 55*time.Second || wait > 65*time.Second {
				t.Errorf("throttled: state %v, next attempt in %v; want pending for the fixed 60 s", d.GetState(), wait)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("throttled delivery never attempted")
		}
		time.Sleep(50 * time.Millisecond)
	}

	mu.Lock()
	reject = false
	mu.Unlock()
	if _, err := led.ReplayDeadLetter(ctxT(t, 10*time.Second), &ledgerv1.ReplayDeadLetterRequest{Id: dead.GetDeliveryId()}); err != nil {
		t.Fatal(err)
	}
	d := waitState(t, led, "stripe", "evt_invalid", ledgerv1.DeliveryState_DELIVERY_STATE_DELIVERED, 20*time.Second)
	reqs := h.Requests()
	last := reqs[len(reqs)-1]
	if d.GetReplays() != 1 || last.GetDeliveryId() != dead.GetDeliveryId() || last.GetAttempt() != 1 {
		t.Errorf("replay: replays %d, last call %v; want the same delivery id at attempt 1", d.GetReplays(), last)
	}
}

func TestBacklogOnOneSubscriptionDoesNotDelayAnother(t *testing.T) {
	t.Parallel()
	addr, _, led := harness.StartLedger(t, bins)
	slow := harness.StartHandler(t, func(ctx context.Context, _ *handlerv1.HandleEventRequest) error {
		time.Sleep(200 * time.Millisecond)
		return nil
	})
	fast := harness.StartHandler(t, nil)
	subscribe(t, led, &ledgerv1.Subscription{Name: "flood", Target: slow.Addr, Platforms: []string{"shopify"}, MaxConcurrency: 16, Timeout: durationpb.New(5 * time.Second)})
	subscribe(t, led, &ledgerv1.Subscription{Name: "payments", Target: fast.Addr, Platforms: []string{"stripe"}, Timeout: durationpb.New(5 * time.Second)})

	const backlog = 10000
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < backlog; i += 16 {
				record(t, led, "shopify", fmt.Sprintf("evt_flood_%d", i))
			}
		}()
	}
	wg.Wait()
	harness.StartDispatcher(t, bins, "d1", addr, nil)
	time.Sleep(2 * time.Second) // the dispatcher is busy with the flood

	// Isolation is an order, not a time: the new event was recorded after
	// the whole flood, and the flood drains at most 16 calls per 200 ms;
	// had it queued behind the flood it would be delivered after it. It
	// must be delivered while nearly all of the flood is still waiting.
	before := len(slow.Calls())
	record(t, led, "stripe", "evt_vip")
	waitState(t, led, "stripe", "evt_vip", ledgerv1.DeliveryState_DELIVERY_STATE_DELIVERED, 60*time.Second)
	after := len(slow.Calls())
	if after >= backlog/10 {
		t.Errorf("with %d deliveries queued for another subscription, the new event was delivered only after %d of them (%d while it waited); want it delivered while nine tenths still wait", backlog, after, after-before)
	}
}
