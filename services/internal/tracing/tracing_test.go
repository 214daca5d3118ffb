package tracing

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
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
