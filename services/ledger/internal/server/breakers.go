package server

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// maxBreakerMemo bounds the memo of breaker reports: dispatcher ids are
// few, but nothing stops a caller from inventing many.
const maxBreakerMemo = 10000

// breakerMemo remembers, per dispatcher, the breaker lists this replica
// last wrote and when, so that a claim writes its dispatcher's report only
// when the lists changed or the report is BreakerReportEvery old: claims
// come many times a second, breakers change rarely. Each replica has its
// own memo; the reports themselves are in the database, so every replica
// answers GetDeliveryStats alike.
type breakerMemo struct {
	mu   sync.Mutex
	last map[string]breakerWrite
}

type breakerWrite struct {
	key string
	at  time.Time
}

// due reports whether r must be written now, and if so notes it as
// written (a failed write is retried at the next claim: forget undoes it).
func (m *breakerMemo) due(r store.BreakerRow, now time.Time) bool {
	key := strings.Join(r.Open, "\x00") + "\x01" + strings.Join(r.Probe, "\x00")
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.last == nil || len(m.last) >= maxBreakerMemo {
		m.last = map[string]breakerWrite{}
	}
	prev, ok := m.last[r.DispatcherID]
	if ok && prev.key == key && now.Sub(prev.at) < store.BreakerReportEvery {
		return false
	}
	m.last[r.DispatcherID] = breakerWrite{key: key, at: now}
	return true
}

func (m *breakerMemo) forget(dispatcherID string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.last, dispatcherID)
}

// reportBreakers stores the breaker lists a claim carried, when due. A
// failure is logged, never the claim's: the report only feeds the
// console's overview.
func (s *Server) reportBreakers(ctx context.Context, st store.Store, req *ledgerv1.ClaimDeliveriesRequest) {
	r, err := store.PrepareBreakerReport(req)
	if err != nil || !s.breakers.due(r, time.Now()) {
		return
	}
	if err := st.ReportBreakers(ctx, r); err != nil {
		s.breakers.forget(r.DispatcherID)
		s.log.Warn("breaker report not stored", slog.String("dispatcher_id", r.DispatcherID), slog.Any("error", err))
	}
}

// GetDeliveryStats answers the outbox's counts and the breaker reports.
func (s *Server) GetDeliveryStats(ctx context.Context, _ *ledgerv1.GetDeliveryStatsRequest) (*ledgerv1.GetDeliveryStatsResponse, error) {
	st, err := s.current()
	if err != nil {
		return nil, err
	}
	rows, err := st.DeliveryStats(ctx)
	if err != nil {
		return nil, err
	}
	return store.StatsResult(rows), nil
}
