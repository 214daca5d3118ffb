package server

import (
	"context"
	"log/slog"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

// ClaimNormalizations leases events due for re-normalization.
func (s *Server) ClaimNormalizations(ctx context.Context, req *ledgerv1.ClaimNormalizationsRequest) (*ledgerv1.ClaimNormalizationsResponse, error) {
	st, err := s.current()
	if err != nil {
		return nil, err
	}
	return st.ClaimNormalizations(ctx, req)
}

// CompleteNormalization applies a re-normalization's outcome;
// FAILED_PRECONDITION when the lease no longer holds the event.
func (s *Server) CompleteNormalization(ctx context.Context, req *ledgerv1.CompleteNormalizationRequest) (*ledgerv1.CompleteNormalizationResponse, error) {
	st, err := s.current()
	if err != nil {
		return nil, err
	}
	resp, err := st.CompleteNormalization(ctx, req)
	if err != nil {
		return nil, leaseStatus(err)
	}
	log := s.log.With(slog.String("platform", req.GetPlatform()), slog.String("event_id", req.GetEventId()))
	switch {
	case resp.GetNormalized():
		log.Info("event re-normalized", slog.Int("deliveries", int(resp.GetDeliveries())))
	case resp.GetNextAttemptAt() != nil:
		log.Debug("re-normalization rescheduled", slog.String("error", req.GetError()),
			slog.Time("next_attempt_at", resp.GetNextAttemptAt().AsTime()))
	default:
		log.Warn("re-normalization failed", slog.String("error", req.GetError()))
	}
	return resp, nil
}

// RenormalizeEvents makes failed events due for re-normalization again.
func (s *Server) RenormalizeEvents(ctx context.Context, req *ledgerv1.RenormalizeEventsRequest) (*ledgerv1.RenormalizeEventsResponse, error) {
	st, err := s.current()
	if err != nil {
		return nil, err
	}
	resp, err := st.RenormalizeEvents(ctx, req)
	if err == nil {
		s.log.Info("events scheduled for re-normalization", slog.String("platform", req.GetPlatform()),
			slog.Int("scheduled", int(resp.GetScheduled())))
	}
	return resp, err
}
