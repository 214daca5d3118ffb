package server

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/ledger/internal/retention"
)

// retainer returns the store as a retention.Store with the policy to
// apply; ErrFailedPrecondition when there is no policy or the store
// cannot apply one.
func (s *Server) retainer() (retention.Store, retention.Policy, error) {
	p := s.Retention
	if p == nil || !p.Enabled() {
		return nil, retention.Policy{}, fmt.Errorf("retention: no policy configured (set HOOKMESH_RETENTION): %w", apperr.ErrFailedPrecondition)
	}
	st, err := s.current()
	if err != nil {
		return nil, retention.Policy{}, err
	}
	r, ok := st.(retention.Store)
	if !ok {
		return nil, retention.Policy{}, fmt.Errorf("retention: this ledger's store does not implement retention yet: %w", apperr.ErrFailedPrecondition)
	}
	return r, *p, nil
}

// RetainsData reports whether a policy is set and the store can apply it,
// for the periodic runner; the error says why not.
func (s *Server) RetainsData() error {
	_, _, err := s.retainer()
	return err
}

// Retain runs one retention pass with the configured policy as of now, for
// the RPC and the periodic runner alike: it logs one line with the counts
// and, unless it is a dry run, feeds the metrics.
func (s *Server) Retain(ctx context.Context, dryRun bool) (retention.Report, error) {
	r, p, err := s.retainer()
	if err != nil {
		return retention.Report{}, err
	}
	rep, err := r.Retain(ctx, p, time.Now(), dryRun)
	attrs := []any{slog.Bool("dry_run", dryRun), slog.Duration("took", rep.Took), slog.Int64("kept", rep.Kept)}
	for _, t := range rep.Tables {
		attrs = append(attrs, slog.Int64(t.Table, t.Rows))
	}
	if len(rep.ExportFiles) > 0 {
		attrs = append(attrs, slog.Any("export_files", rep.ExportFiles))
	}
	if err != nil {
		s.log.Warn("retention pass failed", append(attrs, slog.String("error", err.Error()))...)
		if !dryRun {
			s.Metrics.retained(rep, false)
		}
		return retention.Report{}, err
	}
	s.log.Info("retention pass", attrs...)
	if !dryRun {
		s.Metrics.retained(rep, true)
	}
	return rep, nil
}

// ApplyRetention runs one retention pass now (see Retain).
func (s *Server) ApplyRetention(ctx context.Context, req *ledgerv1.ApplyRetentionRequest) (*ledgerv1.ApplyRetentionResponse, error) {
	rep, err := s.Retain(ctx, req.GetDryRun())
	if err != nil {
		return nil, err
	}
	resp := &ledgerv1.ApplyRetentionResponse{
		DryRun: rep.DryRun, Now: timestamppb.New(rep.Now), Kept: rep.Kept, ExportFiles: rep.ExportFiles,
		Took: durationpb.New(rep.Took), Policy: s.Retention.String(),
	}
	for _, t := range rep.Tables {
		resp.Tables = append(resp.Tables, &ledgerv1.RetentionTable{Table: t.Table, Rows: t.Rows, Bytes: t.Bytes, Partitions: t.Partitions})
	}
	return resp, nil
}

// retentionSizes measures the tables for the gauges; ErrFailedPrecondition
// when the store has no retention.
func (s *Server) retentionSizes(ctx context.Context) (retention.Sizes, error) {
	st, err := s.current()
	if err != nil {
		return retention.Sizes{}, err
	}
	r, ok := st.(retention.Store)
	if !ok {
		return retention.Sizes{}, fmt.Errorf("retention sizes: %w", apperr.ErrFailedPrecondition)
	}
	return r.RetentionSizes(ctx)
}
