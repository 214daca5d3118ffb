package grpcserver

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/hookmesh/hookmesh/services/internal/tracing"
)

// TestServerSpanIsChildOfClientSpan is not parallel: it installs the global
// tracer provider the otelgrpc handlers use.
func TestServerSpanIsChildOfClientSpan(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	t.Cleanup(func() { otel.SetTracerProvider(prev) })

	addr := serveLoopback(t)

	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()), tracing.DialOption())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	cctx, ccancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer ccancel()
	cctx, root := tp.Tracer("test").Start(cctx, "root")
	if _, err := healthpb.NewHealthClient(conn).Check(cctx, &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatalf("health check: %v", err)
	}
	root.End()

	var client, server sdktrace.ReadOnlySpan
	deadline := time.Now().Add(5 * time.Second)
	for (client == nil || server == nil) && time.Now().Before(deadline) {
		for _, sp := range rec.Ended() {
			if sp.Name() != "grpc.health.v1.Health/Check" {
				continue
			}
			switch sp.SpanKind() {
			case trace.SpanKindClient:
				client = sp
			case trace.SpanKindServer:
				server = sp
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	if client == nil || server == nil {
		t.Fatalf("want a client and a server span for Check, got %d spans", len(rec.Ended()))
	}
	if client.SpanContext().TraceID() != root.SpanContext().TraceID() || server.SpanContext().TraceID() != client.SpanContext().TraceID() {
		t.Errorf("trace ids root %s client %s server %s: want one trace", root.SpanContext().TraceID(), client.SpanContext().TraceID(), server.SpanContext().TraceID())
	}
	if server.Parent().SpanID() != client.SpanContext().SpanID() {
		t.Errorf("server span parent %s, want the client span %s", server.Parent().SpanID(), client.SpanContext().SpanID())
	}
}
