package inproc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// start returns a serving channel with f registered behind the given
// interceptors, stopped when the test ends.
func start(t *testing.T, f *fake, m *Metrics, unary grpc.UnaryServerInterceptor, stream grpc.StreamServerInterceptor) *Channel {
	t.Helper()
	ch := NewChannel("test", m)
	ch.RegisterService(&testDesc, f)
	if err := ch.Start(unary, stream); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ch.Stop)
	return ch
}

func wantStatus(t *testing.T, err error, code codes.Code, msg string) {
	t.Helper()
	st, ok := status.FromError(err)
	if !ok {
		t.Fatalf("error %v (%T) is not a status error", err, err)
	}
	if st.Code() != code || !strings.Contains(st.Message(), msg) {
		t.Fatalf("status %v %q, want %v containing %q", st.Code(), st.Message(), code, msg)
	}
}

// TestCopies: caller and handler never share a message, whichever side
// changes its own later.
func TestCopies(t *testing.T) {
	t.Parallel()
	var kept, sent *wrapperspb.BytesValue
	f := &fake{echo: func(_ context.Context, in *wrapperspb.BytesValue) (*wrapperspb.BytesValue, error) {
		kept = in
		in.Value[0] = 'X' // the handler scribbles on its request
		sent = wrapperspb.Bytes([]byte("response"))
		return sent, nil
	}}
	c := testClient{start(t, f, nil, nil, nil)}
	req := wrapperspb.Bytes([]byte("request"))
	resp, err := c.Echo(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if string(req.GetValue()) != "request" {
		t.Errorf("the handler's change reached the caller's request: %q", req.GetValue())
	}
	req.Value[1] = 'Y'
	if string(kept.GetValue()) != "Xequest" {
		t.Errorf("handler's request = %q, want its own copy Xequest", kept.GetValue())
	}
	sent.Value[0] = 'Z'
	if string(resp.GetValue()) != "response" {
		t.Errorf("the handler's later change reached the caller's reply: %q", resp.GetValue())
	}
	resp.Value[1] = 'W'
	if string(sent.GetValue()) != "Zesponse" {
		t.Errorf("the caller's change reached the handler's response: %q", sent.GetValue())
	}

	// A reply message is reset before it is filled, as unmarshalling does.
	f.echo = func(context.Context, *wrapperspb.BytesValue) (*wrapperspb.BytesValue, error) {
		return &wrapperspb.BytesValue{}, nil
	}
	reply := wrapperspb.Bytes([]byte("stale"))
	if err := c.cc.Invoke(context.Background(), echo, req, reply); err != nil {
		t.Fatal(err)
	}
	if len(reply.GetValue()) != 0 {
		t.Errorf("reply kept %q from before the call", reply.GetValue())
	}
}

type tokenCreds string

func (t tokenCreds) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"Hookmesh-Internal-Token": string(t)}, nil
}
func (tokenCreds) RequireTransportSecurity() bool { return false }

// TestMetadata: outgoing metadata and per-RPC credentials arrive as
// incoming metadata, the handler's own outgoing metadata is empty, the
// peer is in-process, and metadata gRPC would refuse is refused.
func TestMetadata(t *testing.T) {
	t.Parallel()
	var got metadata.MD
	var outgoing bool
	var p *peer.Peer
	var method string
	f := &fake{echo: func(ctx context.Context, in *wrapperspb.BytesValue) (*wrapperspb.BytesValue, error) {
		got, _ = metadata.FromIncomingContext(ctx)
		_, outgoing = metadata.FromOutgoingContext(ctx)
		out, _ := metadata.FromOutgoingContext(ctx)
		outgoing = outgoing && out.Len() > 0
		p, _ = peer.FromContext(ctx)
		method, _ = grpc.Method(ctx)
		if err := grpc.SetHeader(ctx, metadata.Pairs("h", "1")); err != nil {
			return nil, err
		}
		if err := grpc.SetTrailer(ctx, metadata.Pairs("t", "2")); err != nil {
			return nil, err
		}
		return in, nil
	}}
	c := testClient{start(t, f, nil, nil, nil)}
	id := "evt_\xff\x00é" // not printable ASCII: only a -bin key may carry it
	ctx := metadata.AppendToOutgoingContext(context.Background(), "Hookmesh-Event-Id-Bin", id, "x-plain", "a")
	var header, trailer metadata.MD
	var callPeer peer.Peer
	if _, err := c.Echo(ctx, &wrapperspb.BytesValue{}, grpc.PerRPCCredentials(tokenCreds("tok")),
		grpc.Header(&header), grpc.Trailer(&trailer), grpc.Peer(&callPeer)); err != nil {
		t.Fatal(err)
	}
	if v := got.Get("hookmesh-event-id-bin"); len(v) != 1 || v[0] != id {
		t.Errorf("binary metadata = %q, want the exact bytes %q", v, id)
	}
	if v := got.Get("x-plain"); len(v) != 1 || v[0] != "a" {
		t.Errorf("x-plain = %q", v)
	}
	if v := got.Get("hookmesh-internal-token"); len(v) != 1 || v[0] != "tok" {
		t.Errorf("per-RPC credentials metadata = %q, want tok", v)
	}
	if outgoing {
		t.Error("the handler's context carries the caller's outgoing metadata: a call it makes would forward it")
	}
	if p == nil || p.Addr.String() != "inprocess" || p.AuthInfo.AuthType() != "inprocess" {
		t.Errorf("peer = %+v, want the in-process peer", p)
	}
	if method != echo {
		t.Errorf("grpc.Method = %q, want %q", method, echo)
	}
	if header.Get("h")[0] != "1" || trailer.Get("t")[0] != "2" {
		t.Errorf("header %v trailer %v, want what the handler set", header, trailer)
	}
	if callPeer.Addr == nil || callPeer.Addr.Network() != "inprocess" {
		t.Errorf("grpc.Peer = %+v", callPeer)
	}

	// Refused before the call, with gRPC's code and message.
	var called atomic.Bool
	f.echo = func(context.Context, *wrapperspb.BytesValue) (*wrapperspb.BytesValue, error) {
		called.Store(true)
		return &wrapperspb.BytesValue{}, nil
	}
	bad := metadata.AppendToOutgoingContext(context.Background(), "hookmesh-event-id", id)
	_, err := c.Echo(bad, &wrapperspb.BytesValue{})
	wantStatus(t, err, codes.Internal, "non-printable ASCII")
	if called.Load() {
		t.Error("the handler ran for a call gRPC refuses to send")
	}
}

// TestDeadlines: the handler sees the caller's deadline and its
// cancellation; an expired context never reaches the handler.
func TestDeadlines(t *testing.T) {
	t.Parallel()
	started := make(chan context.Context, 1)
	f := &fake{echo: func(ctx context.Context, in *wrapperspb.BytesValue) (*wrapperspb.BytesValue, error) {
		started <- ctx
		<-ctx.Done()
		return nil, ctx.Err()
	}}
	c := testClient{start(t, f, nil, nil, nil)}

	deadline := time.Now().Add(time.Hour)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	errc := make(chan error, 1)
	go func() {
		_, err := c.Echo(ctx, &wrapperspb.BytesValue{})
		errc <- err
	}()
	hctx := <-started
	if d, ok := hctx.Deadline(); !ok || !d.Equal(deadline) {
		t.Errorf("handler deadline %v %v, want %v", d, ok, deadline)
	}
	cancel()
	wantStatus(t, <-errc, codes.Canceled, "")

	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	_, err := c.Echo(expired, &wrapperspb.BytesValue{})
	wantStatus(t, err, codes.DeadlineExceeded, "")
	select {
	case <-started:
		t.Error("the handler ran for an expired context")
	default:
	}
}

// TestStatusErrors: the caller gets what a gRPC client would.
func TestStatusErrors(t *testing.T) {
	t.Parallel()
	var ret error
	var resp *wrapperspb.BytesValue
	f := &fake{echo: func(context.Context, *wrapperspb.BytesValue) (*wrapperspb.BytesValue, error) { return resp, ret }}
	c := testClient{start(t, f, nil, nil, nil)}
	for _, tc := range []struct {
		name string
		err  error
		code codes.Code
		msg  string
	}{
		{"status", status.Error(codes.NotFound, "event x: not found"), codes.NotFound, "event x: not found"},
		{"wrapped status", fmt.Errorf("claim: %w", status.Error(codes.Unavailable, "db down")), codes.Unavailable, "claim: rpc error: code = Unavailable desc = db down"},
		{"plain error", errors.New("boom"), codes.Unknown, "boom"},
		{"canceled", context.Canceled, codes.Canceled, "context canceled"},
		{"deadline", fmt.Errorf("store: %w", context.DeadlineExceeded), codes.DeadlineExceeded, "context deadline exceeded"},
		{"nil response", nil, codes.Internal, "marshaling"},
	} {
		ret = tc.err
		_, err := c.Echo(context.Background(), &wrapperspb.BytesValue{})
		if st, ok := status.FromError(err); !ok || st.Code() != tc.code || st.Message() != tc.msg && !strings.Contains(st.Message(), tc.msg) {
			t.Errorf("%s: got %v, want %v %q", tc.name, err, tc.code, tc.msg)
		}
		if _, isStatus := status.FromError(tc.err); tc.err != nil && !isStatus && errors.Is(err, tc.err) {
			t.Errorf("%s: the handler's error itself reached the caller: over gRPC only its status does", tc.name)
		}
	}
}

// TestInterceptors: the chain given to Start runs around every call and
// stream, with the method's info, and may refuse it.
func TestInterceptors(t *testing.T) {
	t.Parallel()
	var seen []string
	var ran atomic.Int32
	unary := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		seen = append(seen, info.FullMethod)
		if md, _ := metadata.FromIncomingContext(ctx); len(md.Get("hookmesh-internal-token")) == 0 {
			return nil, status.Error(codes.Unauthenticated, "no token")
		}
		return h(ctx, req)
	}
	stream := func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
		seen = append(seen, info.FullMethod)
		if !info.IsServerStream || info.IsClientStream {
			return status.Error(codes.Internal, "wrong stream kind in info")
		}
		return status.Error(codes.PermissionDenied, "not you")
	}
	f := &fake{echo: func(_ context.Context, in *wrapperspb.BytesValue) (*wrapperspb.BytesValue, error) {
		ran.Add(1)
		return in, nil
	}}
	c := testClient{start(t, f, nil, unary, stream)}
	_, err := c.Echo(context.Background(), &wrapperspb.BytesValue{})
	wantStatus(t, err, codes.Unauthenticated, "no token")
	if _, err := c.Echo(context.Background(), &wrapperspb.BytesValue{}, grpc.PerRPCCredentials(tokenCreds("t"))); err != nil {
		t.Fatal(err)
	}
	s, err := c.Watch(context.Background(), &wrapperspb.BytesValue{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Recv()
	wantStatus(t, err, codes.PermissionDenied, "not you")
	if want := []string{echo, echo, watch}; strings.Join(seen, ",") != strings.Join(want, ",") {
		t.Errorf("interceptors saw %v, want %v", seen, want)
	}
	if ran.Load() != 1 {
		t.Errorf("handler ran %d times, want once (the refused call must not reach it)", ran.Load())
	}
}

func TestUnknownMethods(t *testing.T) {
	t.Parallel()
	ch := start(t, &fake{}, nil, nil, nil)
	out := &wrapperspb.BytesValue{}
	wantStatus(t, ch.Invoke(context.Background(), "/"+testService+"/Nope", out, out), codes.Unimplemented, "unknown method Nope for service "+testService)
	wantStatus(t, ch.Invoke(context.Background(), "/other.Service/Echo", out, out), codes.Unimplemented, "unknown service other.Service")
	wantStatus(t, ch.Invoke(context.Background(), "nonsense", out, out), codes.Unimplemented, "malformed method name")
	_, err := ch.NewStream(context.Background(), &grpc.StreamDesc{}, "/"+testService+"/Nope")
	wantStatus(t, err, codes.Unimplemented, "unknown method")
}

// TestLifecycle: Unavailable before Start and after a stop; GracefulStop
// refuses new calls at once and returns once the call in flight ended.
func TestLifecycle(t *testing.T) {
	t.Parallel()
	entered, release := make(chan struct{}), make(chan struct{})
	var finished atomic.Bool
	f := &fake{echo: func(_ context.Context, in *wrapperspb.BytesValue) (*wrapperspb.BytesValue, error) {
		if string(in.GetValue()) == "block" {
			close(entered)
			<-release
			finished.Store(true)
		}
		return in, nil
	}}
	ch := NewChannel("ledger", nil)
	ch.RegisterService(&testDesc, f)
	c := testClient{ch}
	_, err := c.Echo(context.Background(), &wrapperspb.BytesValue{})
	wantStatus(t, err, codes.Unavailable, "in-process ledger: not serving yet")
	if err := ch.Start(nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := ch.Start(nil, nil); err == nil {
		t.Error("a second Start succeeded")
	}
	errc := make(chan error, 1)
	go func() {
		_, err := c.Echo(context.Background(), wrapperspb.Bytes([]byte("block")))
		errc <- err
	}()
	<-entered
	stopped := make(chan struct{})
	go func() {
		ch.GracefulStop()
		close(stopped)
	}()
	// New calls are refused while the one in flight runs.
	for {
		_, err := c.Echo(context.Background(), &wrapperspb.BytesValue{})
		if status.Code(err) == codes.Unavailable {
			wantStatus(t, err, codes.Unavailable, "in-process ledger: shut down")
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	close(release)
	<-stopped
	if !finished.Load() {
		t.Error("GracefulStop returned before the call in flight ended")
	}
	if err := <-errc; err != nil {
		t.Errorf("the call in flight failed: %v", err)
	}
	if ch.Target() != "inprocess:ledger" {
		t.Errorf("Target = %q", ch.Target())
	}
}

func TestRegisterPanics(t *testing.T) {
	t.Parallel()
	for name, fn := range map[string]func(ch *Channel){
		"wrong type": func(ch *Channel) { ch.RegisterService(&testDesc, struct{}{}) },
		"twice":      func(ch *Channel) { ch.RegisterService(&testDesc, &fake{}); ch.RegisterService(&testDesc, &fake{}) },
		"after start": func(ch *Channel) {
			_ = ch.Start(nil, nil)
			ch.RegisterService(&testDesc, &fake{})
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			fn(NewChannel("x", nil))
		}()
	}
}

// TestMetrics: every call is counted by method and code.
func TestMetrics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	f := &fake{echo: func(_ context.Context, in *wrapperspb.BytesValue) (*wrapperspb.BytesValue, error) {
		if len(in.GetValue()) > 0 {
			return nil, status.Error(codes.NotFound, "no")
		}
		return in, nil
	}, watch: func(*wrapperspb.BytesValue, grpc.ServerStreamingServer[wrapperspb.BytesValue]) error { return nil }}
	c := testClient{start(t, f, m, nil, nil)}
	for range 3 {
		_, _ = c.Echo(context.Background(), &wrapperspb.BytesValue{})
	}
	_, _ = c.Echo(context.Background(), wrapperspb.Bytes([]byte("x")))
	s, err := c.Watch(context.Background(), &wrapperspb.BytesValue{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Recv(); err == nil {
		t.Fatal("want the end of the stream")
	}
	for _, tc := range []struct {
		method, code string
		want         float64
	}{{echo, "OK", 3}, {echo, "NotFound", 1}, {watch, "OK", 1}} {
		if got := testutil.ToFloat64(m.calls.WithLabelValues(tc.method, tc.code)); got != tc.want {
			t.Errorf("hookmesh_inprocess_calls_total{method=%q,code=%q} = %v, want %v", tc.method, tc.code, got, tc.want)
		}
	}
	if !bytes.Contains(gather(t, reg), []byte("hookmesh_inprocess_calls_total")) {
		t.Error("the metric is not on the registry")
	}
}

func gather(t *testing.T, reg *prometheus.Registry) []byte {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for _, mf := range mfs {
		b.WriteString(mf.GetName())
		b.WriteByte('\n')
	}
	return b.Bytes()
}

var _ credentials.PerRPCCredentials = tokenCreds("")
