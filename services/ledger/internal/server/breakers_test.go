package server_test

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/ledger/internal/server"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres/pgtest"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/storetest"
)

// countingStore counts the breaker reports written.
type countingStore struct {
	store.Store
	reports atomic.Int32
}

func (c *countingStore) ReportBreakers(ctx context.Context, r store.BreakerRow) error {
	c.reports.Add(1)
	return c.Store.ReportBreakers(ctx, r)
}

// TestClaimsReportBreakers: the breaker lists of a claim show in
// GetDeliveryStats with the subscriptions of the target; an unchanged
// report is not written again at once; closing every breaker clears them.
func TestClaimsReportBreakers(t *testing.T) {
	t.Parallel()
	st := &countingStore{Store: postgres.New(pgtest.NewPool(t))}
	c := start(t, server.New(slog.New(slog.NewTextHandler(io.Discard, nil)), st))
	sub := storetest.Subscription("billing")
	if _, err := c.CreateSubscription(ctx(t), &ledgerv1.CreateSubscriptionRequest{Subscription: sub}); err != nil {
		t.Fatal(err)
	}
	claim := func(skip, probe []string) {
		t.Helper()
		if _, err := c.ClaimDeliveries(ctx(t), &ledgerv1.ClaimDeliveriesRequest{DispatcherId: "d1", Limit: 10,
			SkipTargets: skip, ProbeTargets: probe}); err != nil {
			t.Fatal(err)
		}
	}
	stats := func() *ledgerv1.GetDeliveryStatsResponse {
		t.Helper()
		resp, err := c.GetDeliveryStats(ctx(t), &ledgerv1.GetDeliveryStatsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	claim([]string{sub.GetTarget()}, nil)
	claim([]string{sub.GetTarget()}, nil)
	b := stats().GetBreakers()
	if len(b) != 1 || b[0].GetTarget() != sub.GetTarget() || b[0].GetState() != ledgerv1.BreakerState_BREAKER_STATE_OPEN ||
		b[0].GetDispatcherId() != "d1" || len(b[0].GetSubscriptions()) != 1 || b[0].GetSubscriptions()[0] != "billing" {
		t.Errorf("breakers %v, want billing's target open at d1", b)
	}
	if n := st.reports.Load(); n != 1 {
		t.Errorf("%d reports written for two claims with the same breakers, want 1", n)
	}
	claim(nil, []string{sub.GetTarget()})
	if b := stats().GetBreakers(); len(b) != 1 || b[0].GetState() != ledgerv1.BreakerState_BREAKER_STATE_HALF_OPEN {
		t.Errorf("breakers %v, want half-open", b)
	}
	claim(nil, nil)
	if b := stats().GetBreakers(); len(b) != 0 {
		t.Errorf("breakers %v after all closed, want none", b)
	}
	if n := st.reports.Load(); n != 3 {
		t.Errorf("%d reports written, want 3 (one per change)", n)
	}
}
