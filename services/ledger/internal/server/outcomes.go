package server

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/grpcserver"
	"github.com/hookmesh/hookmesh/services/internal/logging"
)

// maxOutcomes caps one ReportOutcomes request. The handler runs one
// goroutine per outcome, so the cap is what bounds them; it is well above
// what a dispatcher sends (128) and below what would let one call occupy
// the store's whole pool.
const maxOutcomes = 256

// ReportOutcomes applies a batch of outcome reports. Every outcome goes
// through its single RPC's handler, concurrently: the PostgreSQL store
// group-commits concurrent outcomes, so a batch commits together, and each
// outcome is validated, applied and refused exactly as it would be alone.
// Only a malformed request fails the call; an outcome that fails (a lost
// lease, the database unreachable) fails in its own result.
func (s *Server) ReportOutcomes(ctx context.Context, req *ledgerv1.ReportOutcomesRequest) (*ledgerv1.ReportOutcomesResponse, error) {
	outcomes := req.GetOutcomes()
	switch {
	case len(outcomes) == 0:
		return nil, fmt.Errorf("report outcomes: no outcomes: %w", apperr.ErrInvalid)
	case len(outcomes) > maxOutcomes:
		return nil, fmt.Errorf("report outcomes: %d outcomes, at most %d in one call: %w", len(outcomes), maxOutcomes, apperr.ErrInvalid)
	}
	eventIDs := outcomeEventIDs(ctx, len(outcomes))
	results := make([]*ledgerv1.OutcomeResult, len(outcomes))
	var wg sync.WaitGroup
	for i, o := range outcomes {
		wg.Go(func() {
			results[i] = s.outcomeResult(o, s.applyOutcome(withEventID(ctx, eventIDs, i), o))
		})
	}
	wg.Wait()
	return &ledgerv1.ReportOutcomesResponse{Results: results}, nil
}

// applyOutcome calls the single RPC's handler, so the batch shares its
// validation, its logging and its lease mapping (leaseStatus).
func (s *Server) applyOutcome(ctx context.Context, o *ledgerv1.Outcome) error {
	var err error
	switch r := o.GetReport().(type) {
	case *ledgerv1.Outcome_Complete:
		_, err = s.CompleteDelivery(ctx, r.Complete)
	case *ledgerv1.Outcome_Retry:
		_, err = s.RetryDelivery(ctx, r.Retry)
	case *ledgerv1.Outcome_DeadLetter:
		_, err = s.DeadLetterDelivery(ctx, r.DeadLetter)
	default:
		err = fmt.Errorf("outcome: no report set: %w", apperr.ErrInvalid)
	}
	return err
}

// outcomeResult turns an outcome's error into its result through the same
// mapping the gRPC interceptor applies to a single call
// (grpcserver.ToStatus: a status such as leaseStatus's kept as is, apperr
// classes by code, anything else masked behind a logged error id).
func (s *Server) outcomeResult(o *ledgerv1.Outcome, err error) *ledgerv1.OutcomeResult {
	if err == nil {
		return &ledgerv1.OutcomeResult{Code: int32(codes.OK)}
	}
	st := status.Convert(grpcserver.ToStatus(s.log.With(slog.String("delivery_id", outcomeDeliveryID(o))),
		ledgerv1.LedgerService_ReportOutcomes_FullMethodName, err))
	return &ledgerv1.OutcomeResult{Code: int32(st.Code()), Message: st.Message()}
}

func outcomeDeliveryID(o *ledgerv1.Outcome) string {
	switch r := o.GetReport().(type) {
	case *ledgerv1.Outcome_Complete:
		return r.Complete.GetDeliveryId()
	case *ledgerv1.Outcome_Retry:
		return r.Retry.GetDeliveryId()
	case *ledgerv1.Outcome_DeadLetter:
		return r.DeadLetter.GetDeliveryId()
	}
	return ""
}

// outcomeEventIDs returns the event ids the caller sent as metadata, one
// per outcome, or nil when they do not match the outcomes one to one (then
// no item can be given the right one).
func outcomeEventIDs(ctx context.Context, n int) []string {
	if ids := metadata.ValueFromIncomingContext(ctx, logging.MetadataEventID); len(ids) == n {
		return ids
	}
	return nil
}

// withEventID narrows the incoming metadata to outcome i's event id, so
// the single RPC's log lines (logging.WebhookIDs) name that outcome's event
// and not the batch's first.
func withEventID(ctx context.Context, eventIDs []string, i int) context.Context {
	md, ok := metadata.FromIncomingContext(ctx)
	if !ok {
		return ctx
	}
	md = md.Copy()
	md.Delete(logging.MetadataEventID)
	if eventIDs != nil {
		md.Set(logging.MetadataEventID, eventIDs[i])
	}
	return metadata.NewIncomingContext(ctx, md)
}
