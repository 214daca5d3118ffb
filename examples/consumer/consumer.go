// Package consumer is an example downstream service: it implements
// hookmesh.handler.v1.EventHandlerService, the contract every consumer of
// hookmesh implements, and records payments idempotently in its own table.
// It is what a team's payment service would look like: no platform payload
// is parsed, only the typed NormalizedEvent.
package consumer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/propagation"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	handlerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/handler/v1"
)

// Config configures the example consumer.
type Config struct {
	// GRPCAddr is where EventHandlerService listens.
	GRPCAddr string
	// GRPCListener, when set, is used instead of GRPCAddr.
	GRPCListener net.Listener
	// DatabaseURL is the consumer's own database: a postgres:// URL (its
	// table lives in the schema named by Schema) or sqlite:<path>.
	DatabaseURL string
	// Schema holds the consumer's table in PostgreSQL; created when missing.
	Schema string
	// ServerOptions are added to the gRPC server: TLS credentials when the
	// mesh uses mTLS (the dispatcher then presents its certificate, and a
	// handler may check it).
	ServerOptions []grpc.ServerOption
}

// Handler records payment events.
type Handler struct {
	handlerv1.UnimplementedEventHandlerServiceServer
	store *payments
	log   *slog.Logger
}

// paymentStates are the event types this consumer stores.
var paymentStates = map[eventv1.EventType]string{
	eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED: "completed",
	eventv1.EventType_EVENT_TYPE_PAYMENT_FAILED:    "failed",
	eventv1.EventType_EVENT_TYPE_PAYMENT_REFUNDED:  "refunded",
}

// HandleEvent stores payment events and acknowledges everything else. It is
// idempotent: a redelivery (same delivery_id) or a later event about the
// same payment updates the one row of (platform, external_id).
func (h *Handler) HandleEvent(ctx context.Context, req *handlerv1.HandleEventRequest) (*handlerv1.HandleEventResponse, error) {
	ev := req.GetEvent()
	log := h.log.With(slog.String("delivery_id", req.GetDeliveryId()), slog.String("platform", ev.GetPlatform()),
		slog.String("event_id", ev.GetEventId()), slog.Int("attempt", int(req.GetAttempt())))
	state, ok := paymentStates[ev.GetEventType()]
	if !ok {
		log.Info("event received", slog.String("event_type", ev.GetEventType().String()))
		return &handlerv1.HandleEventResponse{}, nil
	}
	if ev.GetEntityId() == "" || ev.GetAmount() == nil {
		// A payment without an id or amount is a bug upstream: retrying will
		// not fix it, so say INVALID_ARGUMENT and let it be dead-lettered.
		return nil, status.Error(codes.InvalidArgument, "payment event without entity_id or amount")
	}
	err := h.store.record(ctx, ev.GetPlatform(), ev.GetEntityId(), state, ev.GetAmount().GetMinorUnits(),
		ev.GetAmount().GetCurrency(), ev.GetEventId(), req.GetDeliveryId(), ev.GetOccurredAt().AsTime())
	if err != nil {
		// Our own database failing is transient: UNAVAILABLE makes the
		// dispatcher retry with backoff.
		log.Error("store payment", slog.String("error", err.Error()))
		return nil, status.Error(codes.Unavailable, "payment store unavailable")
	}
	log.Info("payment recorded", slog.String("payment", ev.GetEntityId()), slog.String("state", state),
		slog.Int64("minor_units", ev.GetAmount().GetMinorUnits()), slog.String("currency", ev.GetAmount().GetCurrency()))
	return &handlerv1.HandleEventResponse{}, nil
}

// Run serves EventHandlerService until ctx is done.
func Run(ctx context.Context, cfg Config, log *slog.Logger) error {
	// The database may not exist yet (the ledger creates it on first
	// start) or may be restarting: wait for it rather than exit.
	var store *payments
	for attempt := 1; ; attempt++ {
		mctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		var err error
		store, err = openPayments(mctx, cfg.DatabaseURL, cfg.Schema)
		cancel()
		if err == nil {
			break
		}
		log.Warn("waiting for the database", slog.Int("attempt", attempt), slog.String("error", err.Error()))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
	defer store.db.Close()
	lis := cfg.GRPCListener
	if lis == nil {
		var err error
		if lis, err = net.Listen("tcp", cfg.GRPCAddr); err != nil {
			return fmt.Errorf("listen %s: %w", cfg.GRPCAddr, err)
		}
	}
	// The dispatcher propagates the webhook's trace (W3C traceparent) to
	// the handler; otelgrpc continues it, so HandleEvent is a span of the
	// same trace whatever tracer provider the process installed.
	srv := grpc.NewServer(append([]grpc.ServerOption{grpc.StatsHandler(otelgrpc.NewServerHandler(otelgrpc.WithPropagators(propagation.TraceContext{})))},
		cfg.ServerOptions...)...)
	handlerv1.RegisterEventHandlerServiceServer(srv, &Handler{store: store, log: log})
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	reflection.Register(srv)
	log.Info("example consumer listening", slog.String("grpc", lis.Addr().String()), slog.String("schema", cfg.Schema))

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(lis) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	hs.Shutdown()
	stopped := make(chan struct{})
	go func() { srv.GracefulStop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		srv.Stop()
		<-stopped
	}
	if err := <-errc; err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		return err
	}
	return nil
}
