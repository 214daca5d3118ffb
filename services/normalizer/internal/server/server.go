// Package server is the gRPC face of the normalizer: it adapts
// NormalizerService requests to normalize.Normalize. It returns domain
// errors (apperr classes) and leaves their mapping to status codes to the
// shared grpcserver interceptor.
package server

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	normalizerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/normalizer/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/logging"
	"github.com/hookmesh/hookmesh/services/normalizer/internal/normalize"
)

// Server implements normalizerv1.NormalizerServiceServer.
type Server struct {
	normalizerv1.UnimplementedNormalizerServiceServer

	log        *slog.Logger
	normalizer *normalize.Normalizer
	// now supplies received_at when a caller leaves it unset; a field so
	// tests can fix it.
	now func() time.Time
	// Metrics counts calls by outcome; nil records nothing. Set it before
	// serving.
	Metrics *Metrics
}

// New returns a Server logging to log that normalizes with n (the presets
// and the configured sources); a nil n knows the presets only.
func New(log *slog.Logger, n *normalize.Normalizer) *Server {
	if n == nil {
		n = &normalize.Normalizer{}
	}
	return &Server{log: log, normalizer: n, now: time.Now}
}

// Normalize decodes one webhook. received_at defaults to now when the
// caller did not set it, so every event carries a receipt time.
func (s *Server) Normalize(ctx context.Context, req *normalizerv1.NormalizeRequest) (*normalizerv1.NormalizeResponse, error) {
	receivedAt := s.now().UTC()
	if ts := req.GetReceivedAt(); ts != nil {
		if err := ts.CheckValid(); err != nil {
			return nil, fmt.Errorf("received_at: %w: %v", apperr.ErrInvalid, err)
		}
		receivedAt = ts.AsTime()
	}
	start := time.Now()
	ev, events, err := s.normalizer.NormalizeAll(req.GetPlatform(), req.GetHeaders(), req.GetBody(), receivedAt)
	took := time.Since(start)
	// The edge sends the webhook's event and receipt ids as metadata, so
	// these lines can be joined with the edge's and the ledger's.
	ids := logging.WebhookIDs(ctx)
	if err != nil {
		s.Metrics.observe(req.GetPlatform(), OutcomeFailed, took)
		// A payload we cannot read is the sender's problem, not ours:
		// logged at info with the reason, so an operator can find it.
		s.log.With(ids...).InfoContext(ctx, "normalize failed",
			slog.String("platform", req.GetPlatform()),
			slog.Int("body_bytes", len(req.GetBody())),
			slog.Any("error", err))
		return nil, err
	}
	outcome := OutcomeMapped
	if ev.GetEventType() == eventv1.EventType_EVENT_TYPE_UNMAPPED {
		outcome = OutcomeUnmapped
	}
	s.Metrics.observe(req.GetPlatform(), outcome, took)
	// The success lines are debug: the logger is built only when they are
	// written, not on every call.
	if s.log.Enabled(ctx, slog.LevelDebug) {
		if len(ids) == 0 {
			// Called without the edge's metadata (grpcurl): the event's own id.
			ids = []any{slog.String("event_id", ev.GetEventId())}
		}
		log := s.log.With(ids...)
		log.DebugContext(ctx, "normalized",
			slog.String("platform", ev.GetPlatform()),
			slog.String("source_event_type", ev.GetSourceEventType()),
			slog.String("event_type", ev.GetEventType().String()))
		if ev.GetEventType() == eventv1.EventType_EVENT_TYPE_UNMAPPED {
			log.DebugContext(ctx, "unmapped event type",
				slog.String("platform", ev.GetPlatform()),
				slog.String("source_event_type", ev.GetSourceEventType()))
		}
	}
	return &normalizerv1.NormalizeResponse{Event: ev, Events: events}, nil
}
