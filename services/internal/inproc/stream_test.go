package inproc

import (
	"context"
	"io"
	"testing"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// TestServerStream: the request and every message are copies, they
// arrive in order, headers and trailers pass, and the end is io.EOF.
func TestServerStream(t *testing.T) {
	t.Parallel()
	var kept *wrapperspb.BytesValue
	f := &fake{watch: func(in *wrapperspb.BytesValue, s grpc.ServerStreamingServer[wrapperspb.BytesValue]) error {
		kept = in
		md, _ := metadata.FromIncomingContext(s.Context())
		if err := s.SendHeader(metadata.Pairs("got", md.Get("x-sent")[0])); err != nil {
			return err
		}
		msg := wrapperspb.Bytes([]byte("0"))
		for i := range 3 {
			msg.Value[0] = byte('0' + i) // reuses its message: the caller must hold copies
			if err := s.Send(msg); err != nil {
				return err
			}
		}
		s.SetTrailer(metadata.Pairs("sent", "3"))
		return nil
	}}
	c := testClient{start(t, f, nil, nil, nil)}
	req := wrapperspb.Bytes([]byte("req"))
	ctx := metadata.AppendToOutgoingContext(context.Background(), "x-sent", "yes")
	s, err := c.Watch(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	req.Value[0] = 'X'
	h, err := s.Header()
	if err != nil || h.Get("got")[0] != "yes" {
		t.Fatalf("header %v %v, want got=yes", h, err)
	}
	var got []*wrapperspb.BytesValue
	for {
		m, err := s.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, m)
	}
	if len(got) != 3 || string(got[0].GetValue()) != "0" || string(got[1].GetValue()) != "1" || string(got[2].GetValue()) != "2" {
		t.Errorf("received %v, want 0, 1, 2", got)
	}
	if string(kept.GetValue()) != "req" {
		t.Errorf("the handler's request is %q: the caller's later change reached it", kept.GetValue())
	}
	if s.Trailer().Get("sent")[0] != "3" {
		t.Errorf("trailer %v", s.Trailer())
	}
}

// TestStreamEnds: a handler's error reaches the caller as its status; the
// caller's cancellation ends the handler's context; Stop ends streams.
func TestStreamEnds(t *testing.T) {
	t.Parallel()
	ended := make(chan error, 1)
	f := &fake{watch: func(in *wrapperspb.BytesValue, s grpc.ServerStreamingServer[wrapperspb.BytesValue]) error {
		if string(in.GetValue()) == "fail" {
			return status.Error(codes.ResourceExhausted, "slow down")
		}
		if err := s.Send(in); err != nil {
			return err
		}
		<-s.Context().Done()
		ended <- s.Context().Err()
		return s.Context().Err()
	}}
	ch := start(t, f, nil, nil, nil)
	c := testClient{ch}

	s, err := c.Watch(context.Background(), wrapperspb.Bytes([]byte("fail")))
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Recv()
	wantStatus(t, err, codes.ResourceExhausted, "slow down")

	ctx, cancel := context.WithCancel(context.Background())
	s, err = c.Watch(ctx, wrapperspb.Bytes([]byte("wait")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Recv(); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-ended; err != context.Canceled {
		t.Errorf("handler context ended with %v, want Canceled", err)
	}
	_, err = s.Recv()
	wantStatus(t, err, codes.Canceled, "")

	s, err = c.Watch(context.Background(), wrapperspb.Bytes([]byte("wait")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Recv(); err != nil {
		t.Fatal(err)
	}
	ch.Stop()
	<-ended
	_, err = s.Recv()
	wantStatus(t, err, codes.Canceled, "")
	if _, err := c.Watch(context.Background(), &wrapperspb.BytesValue{}); status.Code(err) != codes.Unavailable {
		t.Errorf("a stream after Stop: %v, want Unavailable", err)
	}
}

// TestClientStream: every message sent before CloseSend is received, then
// io.EOF, and the one response comes back.
func TestClientStream(t *testing.T) {
	t.Parallel()
	c := testClient{start(t, &fake{}, nil, nil, nil)}
	s, err := c.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	msg := wrapperspb.Bytes([]byte("a"))
	for _, b := range "abcde" {
		msg.Value[0] = byte(b) // reused after each Send: the handler holds copies
		if err := s.Send(msg); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := s.CloseAndRecv()
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.GetValue()) != "abcde" {
		t.Errorf("collected %q, want abcde", resp.GetValue())
	}
}

// TestGeneratedHealth runs grpc's own health service and generated client
// through a channel: a unary Check and the server stream Watch.
func TestGeneratedHealth(t *testing.T) {
	t.Parallel()
	hs := health.NewServer()
	ch := NewChannel("health", nil)
	healthpb.RegisterHealthServer(ch, hs)
	if err := ch.Start(nil, nil); err != nil {
		t.Fatal(err)
	}
	defer ch.Stop()
	hc := healthpb.NewHealthClient(ch)
	resp, err := hc.Check(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("Check = %v, %v", resp, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w, err := hc.Watch(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if m, err := w.Recv(); err != nil || m.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("first Watch message %v %v", m, err)
	}
	hs.Shutdown()
	if m, err := w.Recv(); err != nil || m.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("Watch after Shutdown: %v %v", m, err)
	}
}

// TestServerSpanIsChildOfCallerSpan is not parallel: it installs the
// global tracer provider.
func TestServerSpanIsChildOfCallerSpan(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	t.Cleanup(func() { otel.SetTracerProvider(prev) })

	var inHandler trace.SpanContext
	f := &fake{echo: func(ctx context.Context, in *wrapperspb.BytesValue) (*wrapperspb.BytesValue, error) {
		inHandler = trace.SpanContextFromContext(ctx)
		return nil, status.Error(codes.NotFound, "no")
	}}
	c := testClient{start(t, f, nil, nil, nil)}
	ctx, root := tp.Tracer("test").Start(context.Background(), "root")
	_, _ = c.Echo(ctx, &wrapperspb.BytesValue{})
	root.End()

	var server sdktrace.ReadOnlySpan
	for _, sp := range rec.Ended() {
		if sp.Name() == echo[1:] {
			server = sp
		}
	}
	if server == nil {
		t.Fatalf("no span named %s among %d", echo[1:], len(rec.Ended()))
	}
	if server.SpanKind() != trace.SpanKindServer || server.Parent().SpanID() != root.SpanContext().SpanID() ||
		server.SpanContext().TraceID() != root.SpanContext().TraceID() {
		t.Errorf("span kind %v parent %v trace %v: want a server span, child of the caller's", server.SpanKind(), server.Parent().SpanID(), server.SpanContext().TraceID())
	}
	if inHandler.SpanID() != server.SpanContext().SpanID() {
		t.Error("the handler does not run in the server span")
	}
	attrs := map[string]string{}
	for _, a := range server.Attributes() {
		attrs[string(a.Key)] = a.Value.Emit()
	}
	if attrs["hookmesh.inprocess"] != "true" || attrs["rpc.grpc.status_code"] != "5" || attrs["rpc.method"] != "Echo" {
		t.Errorf("attributes %v", attrs)
	}
}
