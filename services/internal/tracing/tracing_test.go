package tracing

import (
	"context"
	"net"
	"slices"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"
)

func TestSetupWithoutEndpointIsNoop(t *testing.T) {
	shutdown, err := Setup(context.Background(), "svc", func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	if err := shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestSetupWithEndpoint(t *testing.T) {
	env := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1"}
	prev := otel.GetTracerProvider()
	t.Cleanup(func() { otel.SetTracerProvider(prev) })
	shutdown, err := Setup(context.Background(), "svc", func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // nothing listens: do not wait for the flush
	_ = shutdown(ctx)
}

func TestTraceparentRoundTrip(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	ctx, span := tp.Tracer("t").Start(context.Background(), "s")
	defer span.End()
	h := Traceparent(ctx)
	if h == "" {
		t.Fatal("no traceparent for a valid span")
	}
	if got := TraceID(WithTraceparent(context.Background(), h)); got != span.SpanContext().TraceID().String() {
		t.Errorf("trace id %q after the round trip, want %s", got, span.SpanContext().TraceID())
	}
	if Traceparent(context.Background()) != "" || TraceID(WithTraceparent(context.Background(), "junk")) != "" {
		t.Error("want empty values without a span")
	}
}

// callTraceID makes one call through a real gRPC server and client built
// with ServerOption and DialOption, from ctx, and returns the trace id the
// server's handler saw.
func callTraceID(t *testing.T, ctx context.Context) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	srv := grpc.NewServer(ServerOption(), grpc.UnknownServiceHandler(func(_ any, stream grpc.ServerStream) error {
		got <- TraceID(stream.Context())
		if err := stream.RecvMsg(&emptypb.Empty{}); err != nil {
			return err
		}
		return stream.SendMsg(&emptypb.Empty{})
	}))
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	cc, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()), DialOption())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cc.Close() })
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := cc.Invoke(ctx, "/test.Svc/Call", &emptypb.Empty{}, &emptypb.Empty{}); err != nil {
		t.Fatal(err)
	}
	return <-got
}

// TestCallsCarryTraceWithoutExporter: with no exporter the gRPC handlers
// record nothing, but the caller's trace still reaches the server, and a
// call without one arrives without one.
func TestCallsCarryTraceWithoutExporter(t *testing.T) {
	if recording() {
		t.Fatal("a recording tracer provider is installed before the test")
	}
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	ctx := WithTraceparent(context.Background(), "00-"+traceID+"-00f067aa0ba902b7-01")
	if got := callTraceID(t, ctx); got != traceID {
		t.Errorf("server saw trace %q, want %s", got, traceID)
	}
	if got := callTraceID(t, context.Background()); got != "" {
		t.Errorf("server saw trace %q for a call without one", got)
	}
}

// TestCallsRecordSpansWhenExporting: once a recording provider is
// installed (Setup does with an exporter), the calls get otelgrpc's spans,
// children of the caller's trace. Not parallel: it sets the global
// provider.
func TestCallsRecordSpansWhenExporting(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	t.Cleanup(func() { otel.SetTracerProvider(prev) })

	ctx, span := tp.Tracer("t").Start(context.Background(), "caller")
	defer span.End()
	want := span.SpanContext().TraceID().String()
	if got := callTraceID(t, ctx); got != want {
		t.Errorf("server saw trace %q, want %s", got, want)
	}
	var kinds []trace.SpanKind
	for _, s := range rec.Ended() {
		if s.SpanContext().TraceID().String() == want {
			kinds = append(kinds, s.SpanKind())
		}
	}
	if !slices.Contains(kinds, trace.SpanKindClient) || !slices.Contains(kinds, trace.SpanKindServer) {
		t.Errorf("span kinds %v in the trace: want the call's client and server spans", kinds)
	}
}
