package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/logging"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// leaseStatus maps store.ErrLeaseLost to FAILED_PRECONDITION: the caller's
// lease no longer holds the delivery, and retrying the same report cannot
// succeed. apperr has no class for it, so the mapping lives here, and the
// interceptor keeps a status it is handed as is. Other errors pass through.
func leaseStatus(err error) error {
	if errors.Is(err, store.ErrLeaseLost) {
		return status.Error(codes.FailedPrecondition, err.Error())
	}
	return err
}

// ClaimDeliveries leases due deliveries.
func (s *Server) ClaimDeliveries(ctx context.Context, req *ledgerv1.ClaimDeliveriesRequest) (*ledgerv1.ClaimDeliveriesResponse, error) {
	st, err := s.current()
	if err != nil {
		return nil, err
	}
	resp, err := st.ClaimDeliveries(ctx, req)
	if err == nil {
		// Only for a claim that succeeded; a write at most every
		// BreakerReportEvery per dispatcher, or when its breakers change
		// (see breakerMemo).
		s.reportBreakers(ctx, st, req)
	}
	return resp, err
}

// CompleteDelivery records a delivered attempt.
func (s *Server) CompleteDelivery(ctx context.Context, req *ledgerv1.CompleteDeliveryRequest) (*ledgerv1.CompleteDeliveryResponse, error) {
	st, err := s.current()
	if err != nil {
		return nil, err
	}
	resp, err := st.CompleteDelivery(ctx, req)
	return resp, leaseStatus(err)
}

// RetryDelivery records a failed or deferred attempt.
func (s *Server) RetryDelivery(ctx context.Context, req *ledgerv1.RetryDeliveryRequest) (*ledgerv1.RetryDeliveryResponse, error) {
	st, err := s.current()
	if err != nil {
		return nil, err
	}
	resp, err := st.RetryDelivery(ctx, req)
	return resp, leaseStatus(err)
}

// DeadLetterDelivery moves a delivery to the dead-letter queue.
func (s *Server) DeadLetterDelivery(ctx context.Context, req *ledgerv1.DeadLetterDeliveryRequest) (*ledgerv1.DeadLetterDeliveryResponse, error) {
	st, err := s.current()
	if err != nil {
		return nil, err
	}
	resp, err := st.DeadLetterDelivery(ctx, req)
	if err == nil {
		// The dispatcher sends the event id as metadata: the request
		// names the delivery only.
		s.log.Warn("dead letter", append(logging.WebhookIDs(ctx), slog.String("delivery_id", req.GetDeliveryId()),
			slog.String("dispatcher_id", req.GetDispatcherId()), slog.String("code", req.GetCode()))...)
	}
	return resp, leaseStatus(err)
}

// ReleaseLeases makes a restarted dispatcher's old leases due at once.
// A release is rare (one per dispatcher start that found leases), so it is
// worth a line: it explains deliveries whose history shows one.
func (s *Server) ReleaseLeases(ctx context.Context, req *ledgerv1.ReleaseLeasesRequest) (*ledgerv1.ReleaseLeasesResponse, error) {
	st, err := s.current()
	if err != nil {
		return nil, err
	}
	resp, err := st.ReleaseLeases(ctx, req)
	if err != nil {
		return nil, err
	}
	if n := resp.GetReleased(); n > 0 {
		s.log.Info("released leases of restarted dispatcher", slog.String("dispatcher_id", req.GetDispatcherId()),
			slog.Int("released", int(n)))
	}
	return resp, nil
}

// ListDeliveries returns an event's deliveries with their history.
func (s *Server) ListDeliveries(ctx context.Context, req *ledgerv1.ListDeliveriesRequest) (*ledgerv1.ListDeliveriesResponse, error) {
	st, err := s.current()
	if err != nil {
		return nil, err
	}
	return st.ListDeliveries(ctx, req)
}

// ListDeadLetters lists dead letters, newest first.
func (s *Server) ListDeadLetters(ctx context.Context, req *ledgerv1.ListDeadLettersRequest) (*ledgerv1.ListDeadLettersResponse, error) {
	st, err := s.current()
	if err != nil {
		return nil, err
	}
	return st.ListDeadLetters(ctx, req)
}

// ReplayDeadLetter makes one dead letter due now.
func (s *Server) ReplayDeadLetter(ctx context.Context, req *ledgerv1.ReplayDeadLetterRequest) (*ledgerv1.ReplayDeadLetterResponse, error) {
	st, err := s.current()
	if err != nil {
		return nil, err
	}
	resp, err := st.ReplayDeadLetter(ctx, req)
	if err == nil {
		s.log.Info("dead letter replayed", slog.String("delivery_id", resp.GetDelivery().GetDeliveryId()),
			slog.String("subscription", resp.GetDelivery().GetSubscription()),
			slog.String("platform", resp.GetDelivery().GetPlatform()),
			slog.String("event_id", resp.GetDelivery().GetEventId()))
	}
	return resp, err
}

// ReplayDeadLetters replays dead letters in bulk.
func (s *Server) ReplayDeadLetters(ctx context.Context, req *ledgerv1.ReplayDeadLettersRequest) (*ledgerv1.ReplayDeadLettersResponse, error) {
	st, err := s.current()
	if err != nil {
		return nil, err
	}
	resp, err := st.ReplayDeadLetters(ctx, req)
	if err == nil {
		s.log.Info("dead letters replayed", slog.String("subscription", req.GetSubscription()),
			slog.String("platform", req.GetPlatform()), slog.Int("replayed", int(resp.GetReplayed())),
			slog.Int("remaining", int(resp.GetRemaining())))
	}
	return resp, err
}

// Notify wakes every WatchDeliveries stream; the database listener calls
// it with the subscriptions concerned (nil: any).
func (s *Server) Notify(subscriptions []string) { s.hub.Publish(subscriptions) }

// EndWatches ends every WatchDeliveries and WatchEvents stream (with
// UNAVAILABLE: clients resume elsewhere) and refuses new WatchDeliveries.
// Call it when shutdown starts: open streams would otherwise hold the
// graceful stop until its drain timeout.
func (s *Server) EndWatches() { s.hub.Close() }

// WatchDeliveries sends one message per notification, merging those that
// arrive while a send is in progress. Headers are sent once the stream is
// registered, so a client that waits for them knows no later notification
// can be missed. It works before the database is connected: the stream
// simply stays quiet until the listener runs.
func (s *Server) WatchDeliveries(_ *ledgerv1.WatchDeliveriesRequest, stream grpc.ServerStreamingServer[ledgerv1.WatchDeliveriesResponse]) error {
	w := s.hub.Watch()
	defer w.Close()
	if err := stream.SendHeader(metadata.MD{}); err != nil {
		return fmt.Errorf("watch deliveries: send header: %w", err)
	}
	ctx := stream.Context()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-w.Done():
			return fmt.Errorf("watch deliveries: ledger shutting down: %w", apperr.ErrUnavailable)
		case <-w.Ready():
			subs, ok := w.Take()
			if !ok {
				continue
			}
			if err := stream.Send(&ledgerv1.WatchDeliveriesResponse{Subscriptions: subs}); err != nil {
				return fmt.Errorf("watch deliveries: send: %w", err)
			}
		}
	}
}
