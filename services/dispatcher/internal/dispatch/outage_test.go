package dispatch

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	handlerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/handler/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/dispatcher/internal/breaker"
	"github.com/hookmesh/hookmesh/services/dispatcher/internal/retry"
)

// syncBuffer is a log destination the test reads while the dispatcher
// writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitLine polls until a line contains s and returns it.
func (b *syncBuffer) waitLine(t *testing.T, s string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		for _, line := range strings.Split(b.String(), "\n") {
			if strings.Contains(line, s) {
				return line
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log line with %q in:\n%s", s, b.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func networkBreakers(openFor time.Duration) *breaker.Set {
	return breaker.New(breaker.Settings{Failures: 1, OpenFor: openFor, Counts: func(err error) bool {
		return retry.Classify(status.Code(err)) == ledgerv1.ErrorClass_ERROR_CLASS_NETWORK
	}})
}

func leaseTo(id, target string) *ledgerv1.Lease {
	l := lease(id, 0)
	l.Subscription.Target = target
	return l
}

// waitClaims polls until the fake has answered at least n claims.
func waitClaims(t *testing.T, led *fakeLedger, n int) []*ledgerv1.ClaimDeliveriesRequest {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		led.mu.Lock()
		claims := slices.Clone(led.claims)
		led.mu.Unlock()
		if len(claims) >= n {
			return claims
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d claims, want at least %d", len(claims), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func queued(led *fakeLedger) int {
	led.mu.Lock()
	defer led.mu.Unlock()
	return len(led.queue)
}

// TestOpenBreakerClaimsNothingOfItsTarget: while a target's breaker is
// open, every claim lists it in skip_targets, none of its deliveries is
// claimed (so none is deferred, reported or logged), and the deliveries of
// other targets go on.
func TestOpenBreakerClaimsNothingOfItsTarget(t *testing.T) {
	t.Parallel()
	set := networkBreakers(time.Hour)
	_ = set.Do("down:1", func() error { return status.Error(codes.Unavailable, "down") })
	var leases []*ledgerv1.Lease
	for i := range 20 {
		leases = append(leases, leaseTo(fmt.Sprintf("down-%d", i), "down:1"))
	}
	for i := range 5 {
		leases = append(leases, leaseTo(fmt.Sprintf("up-%d", i), "up:1"))
	}
	led := &fakeLedger{queue: leases, outcomes: make(chan any, 100)}
	var logs syncBuffer
	var mu sync.Mutex
	called := map[string]int{}
	runLogged(t, led, func(_ context.Context, in *handlerv1.HandleEventRequest) error {
		mu.Lock()
		defer mu.Unlock()
		called[in.GetDeliveryId()[:strings.IndexByte(in.GetDeliveryId(), '-')]]++
		return nil
	}, set, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))

	for range 5 {
		if c, ok := next(t, led).(*ledgerv1.CompleteDeliveryRequest); !ok || !strings.HasPrefix(c.GetDeliveryId(), "up-") {
			t.Fatalf("outcome %v, want the other target's deliveries completed", c)
		}
	}
	// Several more claims (the poll is 20 ms) while the breaker is open.
	claims := waitClaims(t, led, len(waitClaims(t, led, 1))+5)
	for i, c := range claims {
		if !slices.Equal(c.GetSkipTargets(), []string{"down:1"}) || len(c.GetProbeTargets()) != 0 {
			t.Fatalf("claim %d: skip %v probe %v, want skip [down:1]", i, c.GetSkipTargets(), c.GetProbeTargets())
		}
	}
	if n := queued(led); n != 20 {
		t.Errorf("%d of the open target's 20 deliveries left in the ledger, want all", n)
	}
	select {
	case o := <-led.outcomes:
		t.Errorf("outcome %v reported while the only remaining deliveries are held", o)
	default:
	}
	mu.Lock()
	defer mu.Unlock()
	if called["down"] != 0 {
		t.Errorf("handler called %d times for the open target", called["down"])
	}
	if strings.Contains(logs.String(), "down-") {
		t.Errorf("held deliveries were logged:\n%s", logs.String())
	}
}

// TestHalfOpenBreakerClaimsOneTrial: when the breaker half-opens, one
// delivery of its target is claimed for the trial call and nothing more
// while it runs; once it succeeds the rest is claimed and delivered, none
// deferred.
func TestHalfOpenBreakerClaimsOneTrial(t *testing.T) {
	t.Parallel()
	set := networkBreakers(50 * time.Millisecond)
	_ = set.Do("down:1", func() error { return status.Error(codes.Unavailable, "down") })
	const n = 12
	var leases []*ledgerv1.Lease
	for i := range n {
		leases = append(leases, leaseTo(fmt.Sprintf("d-%d", i), "down:1"))
	}
	led := &fakeLedger{queue: leases, outcomes: make(chan any, 100)}
	trialStarted, endTrial := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	calls := 0
	run(t, led, func(context.Context, *handlerv1.HandleEventRequest) error {
		mu.Lock()
		calls++
		first := calls == 1
		mu.Unlock()
		if first {
			close(trialStarted)
			<-endTrial
		}
		return nil
	}, set)

	select {
	case <-trialStarted:
	case <-time.After(5 * time.Second):
		t.Fatal("no trial call after the open period")
	}
	before := len(waitClaims(t, led, 1))
	for i, c := range waitClaims(t, led, before+5)[before:] {
		if !slices.Contains(c.GetSkipTargets(), "down:1") {
			t.Errorf("claim %d during the trial: skip %v probe %v, want down:1 skipped", i, c.GetSkipTargets(), c.GetProbeTargets())
		}
	}
	if q := queued(led); q != n-1 {
		t.Errorf("%d deliveries claimed during the trial, want 1", n-q)
	}
	close(endTrial)
	for range n {
		if c, ok := next(t, led).(*ledgerv1.CompleteDeliveryRequest); !ok {
			t.Fatalf("outcome %v, want every delivery completed after the trial", c)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if calls != n {
		t.Errorf("handler called %d times, want %d (one each)", calls, n)
	}
}
