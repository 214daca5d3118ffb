package ingest

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/hookmesh/hookmesh/services/edge/internal/ingest/ingesttest"
	"github.com/hookmesh/hookmesh/services/internal/tracing"
)

// TestIngestIsOneTrace is not parallel: it installs the global tracer
// provider.
func TestIngestIsOneTrace(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	t.Cleanup(func() { otel.SetTracerProvider(prev) })

	norm, led := &ingesttest.Normalizer{}, &ingesttest.Ledger{}
	svc, p := newService(t, norm, led)
	if _, err := svc.Ingest(context.Background(), p, signed(t, `{"id":"evt_trace","type":"payment_intent.succeeded"}`)); err != nil {
		t.Fatal(err)
	}
	spans := rec.Ended()
	if len(spans) != 1 || spans[0].Name() != "webhook stripe" {
		t.Fatalf("spans %v: want the one ingest span", spans)
	}
	want := spans[0].SpanContext().TraceID().String()
	if got := norm.TraceIDs(); len(got) != 1 || got[0] != want {
		t.Errorf("normalize call trace ids %v, want [%s]", got, want)
	}
	if got := led.TraceIDs(); len(got) != 1 || got[0] != want {
		t.Errorf("record call trace ids %v, want [%s]", got, want)
	}
	stored := led.Recorded()[0].GetReceipt().GetHeaders()[TraceparentHeader]
	if got := tracing.TraceID(tracing.WithTraceparent(context.Background(), stored)); got != want {
		t.Errorf("stored %s = %q (trace %q), want trace %s", TraceparentHeader, stored, got, want)
	}
}

// TestIngestContinuesSenderTrace: a traceparent the sender sent is the
// parent of the ingest span.
func TestIngestContinuesSenderTrace(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	t.Cleanup(func() { otel.SetTracerProvider(prev) })

	led := &ingesttest.Ledger{}
	svc, p := newService(t, &ingesttest.Normalizer{}, led)
	req := signed(t, `{"id":"evt_parent","type":"payment_intent.succeeded"}`)
	const parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	req.Header.Set("Traceparent", parent)
	if _, err := svc.Ingest(context.Background(), p, req); err != nil {
		t.Fatal(err)
	}
	spans := rec.Ended()
	if len(spans) != 1 || spans[0].SpanContext().TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" ||
		spans[0].Parent().SpanID().String() != "00f067aa0ba902b7" {
		t.Fatalf("spans %v: want one span continuing the sender's trace", spans)
	}
	h := led.Recorded()[0].GetReceipt().GetHeaders()
	if h["traceparent"] != parent || h[TraceparentHeader] == "" || h[TraceparentHeader] == parent {
		t.Errorf("stored headers %v: want the sender's traceparent kept and the edge's span under %s", h, TraceparentHeader)
	}
}
