// Package ingesttest provides in-memory stand-ins for the normalizer and
// ledger clients, for unit tests of the edge's logic. The real services are
// exercised by tests/e2e.
package ingesttest

import (
	"context"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/status"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	normalizerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/normalizer/v1"
	"github.com/hookmesh/hookmesh/services/internal/tracing"
)

// Normalizer answers every request with a payment event, or Err when set.
type Normalizer struct {
	// Err, when set, is returned for every call.
	Err error

	mu       sync.Mutex
	traceIDs []string
}

// TraceIDs returns the trace id of each call's context ("" for none), in
// call order.
func (f *Normalizer) TraceIDs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.traceIDs...)
}

// Normalize implements normalizerv1.NormalizerServiceClient.
func (f *Normalizer) Normalize(ctx context.Context, in *normalizerv1.NormalizeRequest, _ ...grpc.CallOption) (*normalizerv1.NormalizeResponse, error) {
	f.mu.Lock()
	f.traceIDs = append(f.traceIDs, tracing.TraceID(ctx))
	f.mu.Unlock()
	if f.Err != nil {
		return nil, f.Err
	}
	return &normalizerv1.NormalizeResponse{Event: &eventv1.NormalizedEvent{
		Platform: in.GetPlatform(), EventType: eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
	}}, nil
}

// Ledger records requests in memory; an event is a duplicate when its
// (platform, source, event id) was recorded before. Delay and Stall make
// it a slow ledger, for the edge's deadline and load-shedding tests.
type Ledger struct {
	ledgerv1.LedgerServiceClient
	// Err, when set, is returned for every Record.
	Err error
	// Delay, when set, is how long every Record takes (less if its context
	// ends first: it then fails as a gRPC call past its deadline does).
	// Set it before the first call.
	Delay time.Duration

	mu      sync.Mutex
	seen    []*ledgerv1.RecordRequest
	keys    map[[3]string]string
	stall   chan struct{} // non-nil while stalled: closed by Resume
	waiting int
	traces  []string
}

// TraceIDs returns the trace id of each Record's context ("" for none), in
// call order.
func (f *Ledger) TraceIDs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.traces...)
}

// Stall makes every Record wait, from now until Resume (or until its
// context ends): a ledger that stopped answering.
func (f *Ledger) Stall() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stall == nil {
		f.stall = make(chan struct{})
	}
}

// Resume ends a Stall: waiting and later Records proceed.
func (f *Ledger) Resume() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stall != nil {
		close(f.stall)
		f.stall = nil
	}
}

// Waiting returns how many Records are held by a Stall or a Delay now.
func (f *Ledger) Waiting() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.waiting
}

// wait holds a Record for the Stall or the Delay.
func (f *Ledger) wait(ctx context.Context) error {
	f.mu.Lock()
	stall := f.stall
	if stall == nil && f.Delay <= 0 {
		f.mu.Unlock()
		return nil
	}
	f.waiting++
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.waiting--
		f.mu.Unlock()
	}()
	var delay <-chan time.Time
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		delay = t.C
	}
	select {
	case <-stall: // nil when not stalled: never ready
	case <-delay:
	case <-ctx.Done():
		return status.FromContextError(ctx.Err()).Err()
	}
	return nil
}

// Record implements the Record method of ledgerv1.LedgerServiceClient.
func (f *Ledger) Record(ctx context.Context, in *ledgerv1.RecordRequest, _ ...grpc.CallOption) (*ledgerv1.RecordResponse, error) {
	f.mu.Lock()
	f.traces = append(f.traces, tracing.TraceID(ctx))
	f.mu.Unlock()
	if err := f.wait(ctx); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Err != nil {
		return nil, f.Err
	}
	r := in.GetReceipt()
	key := [3]string{r.GetPlatform(), r.GetSource(), r.GetEventId()}
	if f.keys == nil {
		f.keys = map[[3]string]string{}
	}
	if id, ok := f.keys[key]; ok {
		return &ledgerv1.RecordResponse{ReceiptId: id, Duplicate: true}, nil
	}
	f.keys[key] = r.GetReceiptId()
	f.seen = append(f.seen, in)
	return &ledgerv1.RecordResponse{ReceiptId: r.GetReceiptId()}, nil
}

// Recorded returns the non-duplicate requests recorded so far.
func (f *Ledger) Recorded() []*ledgerv1.RecordRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*ledgerv1.RecordRequest(nil), f.seen...)
}

// NopNormalizer answers every call at once with a payment event and keeps
// nothing: for benchmarks, where Normalizer's bookkeeping would be measured
// too.
type NopNormalizer struct{}

// Normalize returns a minimal event of the request's platform.
func (NopNormalizer) Normalize(_ context.Context, in *normalizerv1.NormalizeRequest, _ ...grpc.CallOption) (*normalizerv1.NormalizeResponse, error) {
	return &normalizerv1.NormalizeResponse{Event: &eventv1.NormalizedEvent{
		Platform: in.GetPlatform(), EventType: eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
	}}, nil
}

// NopLedger answers every Record at once as new and keeps nothing; its
// other methods are not implemented (nil interface).
type NopLedger struct{ ledgerv1.LedgerServiceClient }

// Record returns the request's receipt id.
func (NopLedger) Record(_ context.Context, in *ledgerv1.RecordRequest, _ ...grpc.CallOption) (*ledgerv1.RecordResponse, error) {
	return &ledgerv1.RecordResponse{ReceiptId: in.GetReceipt().GetReceiptId()}, nil
}
