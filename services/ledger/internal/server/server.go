// Package server implements the gRPC LedgerService over a store.Store. It
// holds no logic of its own: validation lives in package store, and turning
// errors into status codes in the shared grpcserver interceptor, except for
// store.ErrLeaseLost, which only the ledger knows (leaseStatus), the
// per-outcome results of ReportOutcomes, which apply the same mapping to
// each item (outcomeResult), and the check of subscription targets against
// the operator's HOOKMESH_TARGET_ALLOW (checkTarget), which is
// configuration and may look up DNS.
package server

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/target"
	"github.com/hookmesh/hookmesh/services/ledger/internal/notify"
	"github.com/hookmesh/hookmesh/services/ledger/internal/retention"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// Server is the LedgerService. It can start without a store (the database
// still unreachable) and answers UNAVAILABLE until SetStore is called, so a
// ledger started before its database serves health and recovers by itself.
type Server struct {
	ledgerv1.UnimplementedLedgerServiceServer

	log   *slog.Logger
	store atomic.Pointer[storeRef]
	hub   *notify.Hub
	// Metrics times Records; nil records nothing. Set it before serving.
	Metrics *Metrics
	// Targets refuses subscription targets outside HOOKMESH_TARGET_ALLOW;
	// nil means target.Default(). Set it before serving.
	Targets *target.Policy
	// Watch is the timing of WatchEvents streams; zero fields take the
	// defaults. Set it before serving.
	Watch WatchTiming
	// Retention is the policy ApplyRetention and the periodic runner
	// apply (HOOKMESH_RETENTION); nil: none. Set it before serving.
	Retention *retention.Policy

	// streams owns the senders of WatchEvents streams (see WaitStreams).
	streams sync.WaitGroup
	// breakers throttles the breaker reports claims carry.
	breakers breakerMemo
}

// storeRef boxes the interface for atomic.Pointer.
type storeRef struct{ store.Store }

// New returns a Server over st, which may be nil until SetStore.
func New(log *slog.Logger, st store.Store) *Server {
	s := &Server{log: log, hub: notify.NewHub()}
	if st != nil {
		s.SetStore(st)
	}
	return s
}

// SetStore makes st serve the RPCs from now on.
func (s *Server) SetStore(st store.Store) { s.store.Store(&storeRef{st}) }

func (s *Server) current() (store.Store, error) {
	ref := s.store.Load()
	if ref == nil {
		return nil, fmt.Errorf("ledger database not connected yet: %w", apperr.ErrUnavailable)
	}
	return ref.Store, nil
}

// Ready reports whether the database answers, for the admin /ready.
func (s *Server) Ready(ctx context.Context) error {
	st, err := s.current()
	if err != nil {
		return err
	}
	if err := st.Ping(ctx); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	return nil
}

// stats counts pending deliveries and dead letters.
func (s *Server) stats(ctx context.Context) (pending, dead int64, err error) {
	st, err := s.current()
	if err != nil {
		return 0, 0, err
	}
	return st.Stats(ctx)
}

// runningJobs counts the running jobs for the gauge (jobs_running_idx).
func (s *Server) runningJobs(ctx context.Context) (int, error) {
	st, err := s.current()
	if err != nil {
		return 0, err
	}
	ids, err := st.RunningJobs(ctx)
	return len(ids), err
}

// Record stores a receipt and its event idempotently.
func (s *Server) Record(ctx context.Context, req *ledgerv1.RecordRequest) (*ledgerv1.RecordResponse, error) {
	// The receipt's attributes start each line about this Record. They are
	// built only for a line that is logged: most Records log nothing at
	// info, and a Logger.With per call was 3% of the ledger's CPU.
	bg := context.Background()
	logAttrs := func(level slog.Level, msg string, extra ...slog.Attr) {
		if !s.log.Enabled(bg, level) {
			return
		}
		s.log.LogAttrs(bg, level, msg, append([]slog.Attr{
			slog.String("platform", req.GetReceipt().GetPlatform()),
			slog.String("event_id", req.GetReceipt().GetEventId()),
			slog.String("receipt_id", req.GetReceipt().GetReceiptId())}, extra...)...)
	}
	st, err := s.current()
	if err != nil {
		logAttrs(slog.LevelWarn, "record refused", slog.Any("error", err))
		return nil, err
	}
	start := time.Now()
	resp, err := st.Record(ctx, req)
	switch {
	case err != nil:
		s.Metrics.recorded(OutcomeError, time.Since(start))
		logAttrs(slog.LevelWarn, "record failed", slog.Any("error", err))
		return nil, err
	case resp.GetDuplicate():
		s.Metrics.recorded(OutcomeDuplicate, time.Since(start))
	default:
		s.Metrics.recorded(OutcomeCreated, time.Since(start))
	}
	logAttrs(slog.LevelDebug, "recorded", slog.Bool("duplicate", resp.GetDuplicate()),
		slog.String("stored_receipt_id", resp.GetReceiptId()),
		slog.Bool("normalized", req.GetEvent() != nil))
	return resp, nil
}

// GetEvent returns one event with its receipt.
func (s *Server) GetEvent(ctx context.Context, req *ledgerv1.GetEventRequest) (*ledgerv1.GetEventResponse, error) {
	st, err := s.current()
	if err != nil {
		return nil, err
	}
	return st.GetEvent(ctx, req)
}

// ListEvents returns one page of events, newest first.
func (s *Server) ListEvents(ctx context.Context, req *ledgerv1.ListEventsRequest) (*ledgerv1.ListEventsResponse, error) {
	st, err := s.current()
	if err != nil {
		return nil, err
	}
	return st.ListEvents(ctx, req)
}
