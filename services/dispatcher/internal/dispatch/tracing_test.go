package dispatch

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	handlerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/handler/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/dispatcher/internal/breaker"
	"github.com/hookmesh/hookmesh/services/internal/grpcserver"
)

type traceHandler struct {
	handlerv1.UnimplementedEventHandlerServiceServer
	got chan string
}

func (h *traceHandler) HandleEvent(ctx context.Context, _ *handlerv1.HandleEventRequest) (*handlerv1.HandleEventResponse, error) {
	h.got <- trace.SpanContextFromContext(ctx).TraceID().String()
	return &handlerv1.HandleEventResponse{}, nil
}

// TestDeliveryJoinsTheWebhookTrace: a lease carrying the edge's traceparent
// is delivered in that trace, through a real gRPC handler and the pool.
// Not parallel: it installs the global tracer provider.
func TestDeliveryJoinsTheWebhookTrace(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	t.Cleanup(func() { otel.SetTracerProvider(prev) })

	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpcserver.New(log)
	h := &traceHandler{got: make(chan string, 1)}
	handlerv1.RegisterEventHandlerServiceServer(srv.GRPC, h)
	sctx, scancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx, lis) }()
	t.Cleanup(func() { scancel(); <-served })

	const traceID, parentID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	l := lease("traced", 0)
	l.Subscription.Target = lis.Addr().String()
	l.Traceparent = "00-" + traceID + "-" + parentID + "-01"
	led := &fakeLedger{queue: []*ledgerv1.Lease{l}, outcomes: make(chan any, 10)}
	pool := NewPool(nil, nil, nil)
	t.Cleanup(pool.Close)
	d := New(Options{
		ID: "d1", Ledger: led, Handlers: pool, Breakers: breaker.New(breaker.Settings{Failures: 100, OpenFor: time.Minute}),
		Capacity: 1, ClaimBatch: 1, LeaseDuration: time.Minute, PollInterval: 20 * time.Millisecond,
		DrainTimeout: 200 * time.Millisecond, Jitter: func(d time.Duration) time.Duration { return d }, Log: log,
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	select {
	case got := <-h.got:
		if got != traceID {
			t.Errorf("handler saw trace %s, want %s", got, traceID)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("handler not called")
	}
	next(t, led)

	var deliver, client, server sdktrace.ReadOnlySpan
	deadline := time.Now().Add(5 * time.Second)
	for (deliver == nil || client == nil || server == nil) && time.Now().Before(deadline) {
		for _, sp := range rec.Ended() {
			switch {
			case sp.Name() == "deliver payments":
				deliver = sp
			case sp.Name() == "hookmesh.handler.v1.EventHandlerService/HandleEvent" && sp.SpanKind() == trace.SpanKindClient:
				client = sp
			case sp.Name() == "hookmesh.handler.v1.EventHandlerService/HandleEvent" && sp.SpanKind() == trace.SpanKindServer:
				server = sp
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	if deliver == nil || client == nil || server == nil {
		t.Fatalf("spans %v: want deliver, HandleEvent client and server spans", rec.Ended())
	}
	for _, sp := range []sdktrace.ReadOnlySpan{deliver, client, server} {
		if sp.SpanContext().TraceID().String() != traceID {
			t.Errorf("span %s (%v) in trace %s, want %s", sp.Name(), sp.SpanKind(), sp.SpanContext().TraceID(), traceID)
		}
	}
	if deliver.Parent().SpanID().String() != parentID || client.Parent().SpanID() != deliver.SpanContext().SpanID() ||
		server.Parent().SpanID() != client.SpanContext().SpanID() {
		t.Errorf("parents: deliver %s client %s server %s: want edge -> deliver -> client -> server",
			deliver.Parent().SpanID(), client.Parent().SpanID(), server.Parent().SpanID())
	}
}
