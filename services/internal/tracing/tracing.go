// Package tracing sets up OpenTelemetry tracing for a hookmesh process: the
// W3C TraceContext propagator always (so trace context flows between the
// services even when nothing is exported), and an OTLP/gRPC exporter with a
// batch span processor only when OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set. The exporter honours the
// standard OTEL_EXPORTER_OTLP_* variables.
//
// gRPC calls get otelgrpc's stats handlers (a span per call) only when
// spans are recorded; otherwise a handler that only carries the
// traceparent, which is all a span that nobody records would have done.
package tracing

import (
	"context"
	"fmt"
	"os"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"
)

// Propagator is the one propagator hookmesh uses: W3C TraceContext.
var Propagator propagation.TextMapPropagator = propagation.TraceContext{}

// Setup installs the global propagator and tracer provider for the process
// whose resource is service.name = hookmesh-<service>. The returned shutdown
// flushes and stops the exporter; it is a no-op without one.
func Setup(ctx context.Context, service string, lookup func(string) (string, bool)) (shutdown func(context.Context) error, err error) {
	otel.SetTextMapPropagator(Propagator)
	if lookup == nil {
		lookup = os.LookupEnv
	}
	if !Enabled(lookup) {
		return func(context.Context) error { return nil }, nil
	}
	// The exporter reads the standard OTEL_* variables from the process
	// environment; a value only in the config file is passed explicitly.
	var opts []otlptracegrpc.Option
	if _, inEnv := os.LookupEnv("OTEL_EXPORTER_OTLP_ENDPOINT"); !inEnv {
		if _, inEnv := os.LookupEnv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"); !inEnv {
			if v, ok := lookup("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"); ok && v != "" {
				opts = append(opts, otlptracegrpc.WithEndpointURL(v))
			} else if v, ok := lookup("OTEL_EXPORTER_OTLP_ENDPOINT"); ok && v != "" {
				opts = append(opts, otlptracegrpc.WithEndpointURL(v))
			}
		}
	}
	exp, err := otlptracegrpc.New(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("tracing: otlp exporter: %w", err)
	}
	name := "hookmesh-" + service
	if v, ok := lookup("OTEL_SERVICE_NAME"); ok && v != "" {
		name = v // the operator's name wins
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(attribute.String("service.name", name)))
	if err != nil {
		return nil, fmt.Errorf("tracing: resource: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	otel.SetTracerProvider(tp)
	return tp.Shutdown, nil
}

// recording reports whether spans are recorded: a tracer provider of the
// SDK is installed (by Setup with an exporter, or by a test). Until one
// is, the global provider's spans are no-ops.
func recording() bool {
	_, ok := otel.GetTracerProvider().(*sdktrace.TracerProvider)
	return ok
}

// Enabled reports whether an OTLP endpoint is configured.
func Enabled(lookup func(string) (string, bool)) bool {
	for _, k := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"} {
		if v, ok := lookup(k); ok && v != "" {
			return true
		}
	}
	return false
}

// ServerOption is the stats handler every hookmesh gRPC server uses:
// otelgrpc's when spans are recorded (Setup ran with an endpoint), else
// one that only takes the caller's traceparent into the call's context.
func ServerOption() grpc.ServerOption {
	if recording() {
		return grpc.StatsHandler(otelgrpc.NewServerHandler(otelgrpc.WithPropagators(Propagator)))
	}
	return grpc.StatsHandler(traceparentOnly{server: true})
}

// DialOption is the stats handler every hookmesh gRPC client uses:
// otelgrpc's when spans are recorded, else one that only sends the
// context's traceparent with each call.
func DialOption() grpc.DialOption {
	if recording() {
		return grpc.WithStatsHandler(otelgrpc.NewClientHandler(otelgrpc.WithPropagators(Propagator)))
	}
	return grpc.WithStatsHandler(traceparentOnly{})
}

// traceparentOnly is the stats handler of a process that exports no spans.
// otelgrpc with the no-op tracer provider starts a span, builds its
// attributes and handles an event per message on every call, for a span
// that is then dropped: about 4% of the edge's and the dispatcher's CPU per
// webhook at saturation. This handler keeps what that span was for here:
// the trace context crosses the call, so the logs' trace ids, the stored
// traceparent and a handler's trace are the same as with otelgrpc.
type traceparentOnly struct{ server bool }

// TagRPC injects the context's trace context into the outgoing metadata
// (client), or extracts the caller's from the incoming metadata as the
// remote parent (server).
func (p traceparentOnly) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context {
	if p.server {
		md, ok := metadata.FromIncomingContext(ctx)
		if !ok || len(md.Get("traceparent")) == 0 {
			return ctx
		}
		return Propagator.Extract(ctx, mdCarrier(md))
	}
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return ctx
	}
	c := propagation.MapCarrier{}
	Propagator.Inject(ctx, c)
	kv := make([]string, 0, 2*len(c))
	for k, v := range c {
		kv = append(kv, k, v)
	}
	return metadata.AppendToOutgoingContext(ctx, kv...)
}

// HandleRPC does nothing: no span, nothing to record.
func (traceparentOnly) HandleRPC(context.Context, stats.RPCStats) {}

// TagConn returns ctx: connections carry no trace context.
func (traceparentOnly) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }

// HandleConn does nothing.
func (traceparentOnly) HandleConn(context.Context, stats.ConnStats) {}

// mdCarrier reads propagation fields from gRPC metadata (whose keys are
// lower case, as the propagator's are).
type mdCarrier metadata.MD

// Get returns the first value of key.
func (c mdCarrier) Get(key string) string {
	if v := metadata.MD(c).Get(key); len(v) > 0 {
		return v[0]
	}
	return ""
}

// Set is never used on incoming metadata.
func (c mdCarrier) Set(key, value string) { metadata.MD(c).Set(key, value) }

// Keys lists the metadata's keys.
func (c mdCarrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}

// Tracer is hookmesh's tracer from the global provider.
func Tracer() trace.Tracer { return otel.Tracer("github.com/hookmesh/hookmesh") }

// Traceparent returns the W3C traceparent of the span in ctx, or "" when
// ctx carries no valid span context.
func Traceparent(ctx context.Context) string {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return ""
	}
	c := propagation.MapCarrier{}
	Propagator.Inject(ctx, c)
	return c["traceparent"]
}

// WithTraceparent returns ctx carrying tp as its remote parent span
// context; ctx unchanged when tp is empty or invalid.
func WithTraceparent(ctx context.Context, tp string) context.Context {
	if tp == "" {
		return ctx
	}
	return Propagator.Extract(ctx, propagation.MapCarrier{"traceparent": tp})
}

// TraceID returns the trace id of the span in ctx, or "".
func TraceID(ctx context.Context) string {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return ""
	}
	return sc.TraceID().String()
}
