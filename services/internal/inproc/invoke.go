package inproc

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	otelcodes "go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// Invoke calls the unary method fullMethod with a copy of args and fills
// reply with a copy of the handler's response; it implements
// grpc.ClientConnInterface.
func (c *Channel) Invoke(ctx context.Context, fullMethod string, args, reply any, opts ...grpc.CallOption) error {
	if err := ctx.Err(); err != nil {
		return status.FromContextError(err).Err()
	}
	req, ok := args.(proto.Message)
	if !ok {
		return status.Errorf(codes.Internal, "grpc: error while marshaling: message is %T, want proto.Message", args)
	}
	m, unary, _, err := c.begin(fullMethod)
	if err != nil {
		return err
	}
	defer c.inflight.Done()
	if m.unary == nil {
		return status.Errorf(codes.Unimplemented, "in-process %s: %s is a streaming method: call NewStream", c.name, fullMethod)
	}
	sctx, err := c.serverContext(ctx, m, opts)
	if err != nil {
		return err
	}
	ts := &transportStream{method: m.full}
	sctx = grpc.NewContextWithServerTransportStream(sctx, ts)
	sctx, span := c.startSpan(sctx, m)
	resp, err := m.unary(m.impl, sctx, func(in any) error { return decode(in, req) }, unary)
	header, trailer := ts.finish()
	if ctx.Err() != nil {
		// The caller's deadline passed, or it gave up, before the answer:
		// a gRPC client has returned by then, whatever the handler says.
		err = ctx.Err()
	}
	if err == nil {
		err = encode(reply, resp)
	} else {
		err = toStatus(err)
	}
	code := status.Code(err)
	endSpan(span, code)
	m.calls.inc(code)
	after(opts, header, trailer, c.peer, err)
	return err
}

// decode copies the caller's request into the handler's fresh message, as
// unmarshalling would.
func decode(in any, req proto.Message) error {
	dst, ok := in.(proto.Message)
	if !ok || dst.ProtoReflect().Descriptor() != req.ProtoReflect().Descriptor() {
		return status.Errorf(codes.Internal, "grpc: error unmarshalling request: %T into %T", req, in)
	}
	proto.Merge(dst, req)
	return nil
}

// encode copies the handler's response into the caller's reply: reset,
// then filled, as unmarshalling does.
func encode(reply, resp any) error {
	src, ok := resp.(proto.Message)
	if !ok || src == nil || !src.ProtoReflect().IsValid() {
		return status.Errorf(codes.Internal, "grpc: error while marshaling: response is %T, want a proto.Message", resp)
	}
	return copyInto(reply, src)
}

// toStatus turns a handler's error into what the caller sees, as the gRPC
// server does: a status error as it is (a wrapped one with the wrapper's
// message), a context error as Canceled or DeadlineExceeded, anything else
// as Unknown with its message.
func toStatus(err error) error {
	if st, ok := status.FromError(err); ok {
		return st.Err()
	}
	return status.FromContextError(err).Err()
}

// serverContext is the handler's context: the caller's (its deadline, its
// cancellation and its span), with the caller's outgoing metadata and the
// per-RPC credentials' metadata as incoming metadata, no outgoing
// metadata (a handler that calls on must not forward its caller's), the
// in-process peer.
func (c *Channel) serverContext(ctx context.Context, m *method, opts []grpc.CallOption) (context.Context, error) {
	md, hadOutgoing := metadata.FromOutgoingContext(ctx)
	if err := validate(md); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	for _, o := range opts {
		creds, ok := o.(grpc.PerRPCCredsCallOption)
		if !ok {
			continue
		}
		data, err := creds.Creds.GetRequestMetadata(ctx, "inprocess://"+c.name+"/"+m.service)
		if err != nil {
			if _, ok := status.FromError(err); ok {
				return nil, err
			}
			return nil, status.Errorf(codes.Internal, "transport: per-RPC creds failed due to error: %v", err)
		}
		if md == nil {
			md = metadata.MD{}
		}
		for k, v := range data {
			k = strings.ToLower(k)
			if err := validatePair(k, v); err != nil {
				return nil, status.Error(codes.Internal, err.Error())
			}
			md[k] = append(md[k], v)
		}
	}
	if md == nil {
		md = metadata.MD{}
	}
	if hadOutgoing {
		ctx = metadata.NewOutgoingContext(ctx, nil)
	}
	ctx = metadata.NewIncomingContext(ctx, md)
	return peer.NewContext(ctx, c.peer), nil
}

// after does for the call options what grpc-go does once a call ends:
// grpc.Header, grpc.Trailer and grpc.Peer receive what the call got, and
// grpc.OnFinish is told the call's error.
func after(opts []grpc.CallOption, header, trailer metadata.MD, p *peer.Peer, err error) {
	for _, o := range opts {
		switch o := o.(type) {
		case grpc.HeaderCallOption:
			*o.HeaderAddr = header
		case grpc.TrailerCallOption:
			*o.TrailerAddr = trailer
		case grpc.PeerCallOption:
			*o.PeerAddr = *p
		case grpc.OnFinishCallOption:
			o.OnFinish(err)
		}
	}
}

// startSpan starts the server span otelgrpc would have started, as a child
// of the caller's span (in memory there is no client span between them).
func (c *Channel) startSpan(ctx context.Context, m *method) (context.Context, trace.Span) {
	ctx, span := c.tracer.Start(ctx, m.full[1:], trace.WithSpanKind(trace.SpanKindServer))
	if span.IsRecording() {
		span.SetAttributes(
			attribute.String("rpc.system", "grpc"),
			attribute.String("rpc.service", m.service),
			attribute.String("rpc.method", m.name),
			attribute.Bool("hookmesh.inprocess", true),
		)
	}
	return ctx, span
}

func endSpan(span trace.Span, code codes.Code) {
	if span.IsRecording() {
		span.SetAttributes(attribute.Int64("rpc.grpc.status_code", int64(code)))
		if code != codes.OK {
			span.SetStatus(otelcodes.Error, code.String())
		}
	}
	span.End()
}

// transportStream is a unary call's grpc.ServerTransportStream: it keeps
// what the handler sets with grpc.SetHeader, grpc.SendHeader and
// grpc.SetTrailer for the caller's grpc.Header and grpc.Trailer options.
type transportStream struct {
	method string

	mu      sync.Mutex
	header  metadata.MD
	trailer metadata.MD
	sent    bool // the header went out (SendHeader or the call's end)
}

// Method implements grpc.ServerTransportStream.
func (t *transportStream) Method() string { return t.method }

// SetHeader implements grpc.ServerTransportStream.
func (t *transportStream) SetHeader(md metadata.MD) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.sent {
		return status.Error(codes.Internal, "transport: the stream is done or WriteHeader was already called")
	}
	t.header = metadata.Join(t.header, md)
	return nil
}

// SendHeader implements grpc.ServerTransportStream.
func (t *transportStream) SendHeader(md metadata.MD) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.sent {
		return status.Error(codes.Internal, "transport: the stream is done or WriteHeader was already called")
	}
	t.header, t.sent = metadata.Join(t.header, md), true
	return nil
}

// SetTrailer implements grpc.ServerTransportStream.
func (t *transportStream) SetTrailer(md metadata.MD) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.trailer = metadata.Join(t.trailer, md)
	return nil
}

// finish marks the call answered, so that later SetHeader calls fail as
// they do once a gRPC response went out, and returns what was set.
func (t *transportStream) finish() (header, trailer metadata.MD) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sent = true
	return t.header, t.trailer
}

// validate applies grpc-go's rules for outgoing metadata, so a call that
// would fail on the wire fails in memory too (Internal, before the call).
func validate(md metadata.MD) error {
	for k, vals := range md {
		if err := validatePair(k, vals...); err != nil {
			return err
		}
	}
	return nil
}

// validatePair is grpc-go's internal metadata.ValidatePair: keys in
// [0-9a-z-_.], values of keys not ending in -bin printable ASCII.
func validatePair(key string, vals ...string) error {
	if key == "" {
		return fmt.Errorf("there is an empty key in the header")
	}
	if key[0] == ':' {
		return nil
	}
	for i := 0; i < len(key); i++ {
		r := key[i]
		if !(r >= 'a' && r <= 'z') && !(r >= '0' && r <= '9') && r != '.' && r != '-' && r != '_' {
			return fmt.Errorf("header key %q contains illegal characters not in [0-9a-z-_.]", key)
		}
	}
	if strings.HasSuffix(key, "-bin") {
		return nil
	}
	for _, v := range vals {
		for i := 0; i < len(v); i++ {
			if v[i] < 0x20 || v[i] > 0x7E {
				return fmt.Errorf("header key %q contains value with non-printable ASCII characters", key)
			}
		}
	}
	return nil
}
