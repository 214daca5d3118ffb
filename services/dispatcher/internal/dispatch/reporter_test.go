package dispatch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	handlerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/handler/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

// TestOutcomesBatched: deliveries that finish together are reported in
// fewer ReportOutcomes calls than deliveries, every outcome once.
func TestOutcomesBatched(t *testing.T) {
	t.Parallel()
	const n = 8 // the dispatcher's Capacity in run
	var leases []*ledgerv1.Lease
	for i := range n {
		leases = append(leases, lease(fmt.Sprint(i), 0))
	}
	// Each call takes a while, so the reports released together queue
	// behind the first one.
	led := &fakeLedger{queue: leases, outcomes: make(chan any, 100), batchDelay: 100 * time.Millisecond}
	release := make(chan struct{})
	started := make(chan struct{}, n)
	run(t, led, func(ctx context.Context, _ *handlerv1.HandleEventRequest) error {
		started <- struct{}{}
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}, nil)
	for range n {
		select {
		case <-started:
		case <-time.After(5 * time.Second):
			t.Fatal("the deliveries did not all start")
		}
	}
	close(release)
	seen := map[string]bool{}
	for range n {
		c, ok := next(t, led).(*ledgerv1.CompleteDeliveryRequest)
		if !ok {
			t.Fatalf("outcome %v, want a completion", c)
		}
		seen[c.GetDeliveryId()] = true
	}
	led.mu.Lock()
	defer led.mu.Unlock()
	if len(seen) != n || led.batched != n || led.singles != 0 {
		t.Errorf("%d deliveries completed, %d outcomes batched, %d single reports; want %d, %d, 0", len(seen), led.batched, led.singles, n, n)
	}
	if led.batches >= n {
		t.Errorf("%d ReportOutcomes calls for %d deliveries finishing together, want fewer", led.batches, n)
	}
}

// TestOutcomesFallBackToSingleReports: against a ledger without
// ReportOutcomes every outcome still lands, and the dispatcher stops
// trying the batch call after the first refusal.
func TestOutcomesFallBackToSingleReports(t *testing.T) {
	t.Parallel()
	led := &fakeLedger{queue: []*ledgerv1.Lease{lease("1", 0)}, outcomes: make(chan any, 100), noBatch: true}
	run(t, led, func(context.Context, *handlerv1.HandleEventRequest) error { return nil }, nil)
	if c, ok := next(t, led).(*ledgerv1.CompleteDeliveryRequest); !ok || c.GetDeliveryId() != "1" {
		t.Fatalf("outcome %v, want the completion of 1", c)
	}
	// A later delivery goes straight to the single RPC.
	led.mu.Lock()
	led.queue = append(led.queue, lease("2", 0))
	led.mu.Unlock()
	if c, ok := next(t, led).(*ledgerv1.CompleteDeliveryRequest); !ok || c.GetDeliveryId() != "2" {
		t.Fatalf("outcome %v, want the completion of 2", c)
	}
	led.mu.Lock()
	defer led.mu.Unlock()
	if led.batches != 1 || led.singles != 2 {
		t.Errorf("%d ReportOutcomes calls, %d single reports; want 1 (refused) and 2", led.batches, led.singles)
	}
}

// TestReportAfterStop: a report submitted once Run stopped the reporter
// fails at once instead of waiting for a loop that is gone.
func TestReportAfterStop(t *testing.T) {
	t.Parallel()
	r := newReporter(&fakeLedger{outcomes: make(chan any, 1)}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	done := make(chan struct{})
	go func() { r.run(); close(done) }()
	close(r.stop)
	<-done
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := r.send(ctx, "evt_1", &ledgerv1.Outcome{Report: &ledgerv1.Outcome_Complete{Complete: &ledgerv1.CompleteDeliveryRequest{DeliveryId: "1"}}})
	if !errors.Is(err, errReporterStopped) {
		t.Errorf("send after stop = %v, want %v", err, errReporterStopped)
	}
}
