package server

import (
	"context"
	"log/slog"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

// RedeliverSubscription starts a redelivery job; the ledger's job runner
// does the work (see ledger.runJobs).
func (s *Server) RedeliverSubscription(ctx context.Context, req *ledgerv1.RedeliverSubscriptionRequest) (*ledgerv1.RedeliverSubscriptionResponse, error) {
	st, err := s.current()
	if err != nil {
		return nil, err
	}
	resp, err := st.RedeliverSubscription(ctx, req)
	if err == nil {
		j := resp.GetJob()
		s.log.Info("redelivery started", slog.String("subscription", j.GetSubscription()), slog.String("job_id", j.GetJobId()),
			slog.Time("from", j.GetFrom().AsTime()), slog.Time("to", j.GetTo().AsTime()), slog.Int64("total_estimate", j.GetTotalEstimate()))
	}
	return resp, err
}

// GetJob returns one job.
func (s *Server) GetJob(ctx context.Context, req *ledgerv1.GetJobRequest) (*ledgerv1.GetJobResponse, error) {
	st, err := s.current()
	if err != nil {
		return nil, err
	}
	return st.GetJob(ctx, req)
}

// ListJobs lists jobs, newest first.
func (s *Server) ListJobs(ctx context.Context, req *ledgerv1.ListJobsRequest) (*ledgerv1.ListJobsResponse, error) {
	st, err := s.current()
	if err != nil {
		return nil, err
	}
	return st.ListJobs(ctx, req)
}

// CancelJob stops a running job.
func (s *Server) CancelJob(ctx context.Context, req *ledgerv1.CancelJobRequest) (*ledgerv1.CancelJobResponse, error) {
	st, err := s.current()
	if err != nil {
		return nil, err
	}
	resp, err := st.CancelJob(ctx, req)
	if err == nil {
		s.log.Info("job cancel requested", slog.String("job_id", req.GetJobId()), slog.String("state", resp.GetJob().GetState().String()))
	}
	return resp, err
}
