package server_test

import (
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/storetest"
)

// TestNormalizationCodes runs re-normalization over gRPC: a lost lease is
// FAILED_PRECONDITION, as for deliveries, and a success makes deliveries.
func TestNormalizationCodes(t *testing.T) {
	t.Parallel()
	_, _, c := newServer(t)
	if _, err := c.CreateSubscription(ctx(t), &ledgerv1.CreateSubscriptionRequest{Subscription: storetest.Subscription("all")}); err != nil {
		t.Fatal(err)
	}
	req := storetest.Request("stripe", "", "evt_down", time.Now())
	ev := req.Event
	req.Event, req.NormalizationError, req.NormalizationRetryable = nil, "normalize: unavailable", true
	if _, err := c.Record(ctx(t), req); err != nil {
		t.Fatal(err)
	}
	claimed, err := c.ClaimNormalizations(ctx(t), &ledgerv1.ClaimNormalizationsRequest{WorkerId: "w1"})
	if err != nil || len(claimed.GetLeases()) != 1 {
		t.Fatalf("ClaimNormalizations = %v, %v; want one lease", claimed, err)
	}
	l := claimed.GetLeases()[0]
	stale := "00000000-0000-4000-8000-000000000000"
	_, err = c.CompleteNormalization(ctx(t), &ledgerv1.CompleteNormalizationRequest{Platform: "stripe", EventId: "evt_down", LeaseToken: stale, Event: ev})
	wantCode(t, "CompleteNormalization(lost lease)", err, codes.FailedPrecondition)
	_, err = c.CompleteNormalization(ctx(t), &ledgerv1.CompleteNormalizationRequest{Platform: "stripe", EventId: "evt_none", LeaseToken: stale, Event: ev})
	wantCode(t, "CompleteNormalization(unknown)", err, codes.NotFound)
	_, err = c.RenormalizeEvents(ctx(t), &ledgerv1.RenormalizeEventsRequest{Limit: -1})
	wantCode(t, "RenormalizeEvents(negative limit)", err, codes.InvalidArgument)
	done, err := c.CompleteNormalization(ctx(t), &ledgerv1.CompleteNormalizationRequest{Platform: "stripe", EventId: "evt_down",
		LeaseToken: l.GetLeaseToken(), Event: ev})
	if err != nil || !done.GetNormalized() || done.GetDeliveries() != 1 {
		t.Fatalf("CompleteNormalization = %v, %v; want normalized, 1 delivery", done, err)
	}
	if leases, err := c.ClaimDeliveries(ctx(t), &ledgerv1.ClaimDeliveriesRequest{DispatcherId: "d1"}); err != nil || len(leases.GetLeases()) != 1 {
		t.Errorf("ClaimDeliveries = %v, %v; want the re-normalized event's delivery", leases, err)
	}
}
