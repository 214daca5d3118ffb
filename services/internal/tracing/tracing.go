// Package tracing sets up OpenTelemetry tracing for a hookmesh process: the
// W3C TraceContext propagator always (so trace context flows between the
// services even when nothing is exported), and an OTLP/gRPC exporter with a
// batch span processor only when OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set. The exporter honours the
// standard OTEL_EXPORTER_OTLP_* variables.
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

// Enabled reports whether an OTLP endpoint is configured.
func Enabled(lookup func(string) (string, bool)) bool {
	for _, k := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"} {
		if v, ok := lookup(k); ok && v != "" {
			return true
		}
	}
	return false
}

// ServerOption is the otelgrpc stats handler every hookmesh gRPC server uses.
func ServerOption() grpc.ServerOption {
	return grpc.StatsHandler(otelgrpc.NewServerHandler(otelgrpc.WithPropagators(Propagator)))
}

// DialOption is the otelgrpc stats handler every hookmesh gRPC client uses.
func DialOption() grpc.DialOption {
	return grpc.WithStatsHandler(otelgrpc.NewClientHandler(otelgrpc.WithPropagators(Propagator)))
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
