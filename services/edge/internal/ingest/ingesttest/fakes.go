// Package ingesttest provides in-memory stand-ins for the normalizer and
// ledger clients, for unit tests of the edge's logic. The real services are
// exercised by tests/e2e.
package ingesttest

import (
	"context"
	"sync"

	"google.golang.org/grpc"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	normalizerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/normalizer/v1"
)

// Normalizer answers every request with a payment event, or Err when set.
type Normalizer struct {
	// Err, when set, is returned for every call.
	Err error
}

// Normalize implements normalizerv1.NormalizerServiceClient.
func (f *Normalizer) Normalize(_ context.Context, in *normalizerv1.NormalizeRequest, _ ...grpc.CallOption) (*normalizerv1.NormalizeResponse, error) {
	if f.Err != nil {
		return nil, f.Err
	}
	return &normalizerv1.NormalizeResponse{Event: &eventv1.NormalizedEvent{
		Platform: in.GetPlatform(), EventType: eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
	}}, nil
}

// Ledger records requests in memory; an event is a duplicate when its
// (platform, source, event id) was recorded before.
type Ledger struct {
	ledgerv1.LedgerServiceClient
	// Err, when set, is returned for every Record.
	Err error

	mu   sync.Mutex
	seen []*ledgerv1.RecordRequest
	keys map[[3]string]string
}

// Record implements the Record method of ledgerv1.LedgerServiceClient.
func (f *Ledger) Record(_ context.Context, in *ledgerv1.RecordRequest, _ ...grpc.CallOption) (*ledgerv1.RecordResponse, error) {
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
