package inproc

import (
	"context"
	"io"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// NewStream starts a stream of fullMethod: its handler runs in a goroutine
// of its own, as on a gRPC server, behind the server's stream
// interceptors. It implements grpc.ClientConnInterface. Messages are copied
// when sent; the handler's context ends with the caller's, when the
// handler returns, or at Stop.
func (c *Channel) NewStream(ctx context.Context, _ *grpc.StreamDesc, fullMethod string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	if err := ctx.Err(); err != nil {
		return nil, status.FromContextError(err).Err()
	}
	m, _, intercept, err := c.begin(fullMethod)
	if err != nil {
		return nil, err
	}
	if m.stream == nil {
		c.inflight.Done()
		return nil, status.Errorf(codes.Unimplemented, "in-process %s: %s is a unary method: call Invoke", c.name, fullMethod)
	}
	sctx, err := c.serverContext(ctx, m, opts)
	if err != nil {
		c.inflight.Done()
		return nil, err
	}
	sctx, cancel := context.WithCancel(sctx)
	stopped := context.AfterFunc(c.stopCtx, cancel)
	s := &streamCall{
		peer:        c.peer,
		method:      m.full,
		cctx:        ctx,
		opts:        opts,
		reqs:        make(chan proto.Message, 1),
		closeSend:   make(chan struct{}),
		resps:       make(chan proto.Message),
		done:        make(chan struct{}),
		headerReady: make(chan struct{}),
	}
	sctx = grpc.NewContextWithServerTransportStream(sctx, (*streamTransport)(s))
	sctx, span := c.startSpan(sctx, m)
	s.sctx = sctx
	go func() {
		defer c.inflight.Done()
		info := &grpc.StreamServerInfo{FullMethod: m.full, IsClientStream: m.stream.ClientStreams, IsServerStream: m.stream.ServerStreams}
		var err error
		if intercept != nil {
			err = intercept(m.impl, (*serverStream)(s), info, m.stream.Handler)
		} else {
			err = m.stream.Handler(m.impl, (*serverStream)(s))
		}
		if err != nil {
			err = toStatus(err)
		}
		s.finish(err)
		stopped()
		cancel()
		code := status.Code(err)
		endSpan(span, code)
		m.calls.inc(code)
	}()
	return (*clientStream)(s), nil
}

// streamCall is one stream, seen from the caller as a clientStream and
// from the handler as a serverStream.
type streamCall struct {
	peer   *peer.Peer // for grpc.Peer
	method string
	cctx   context.Context // the caller's
	sctx   context.Context // the handler's
	opts   []grpc.CallOption

	// reqs holds one message the caller sent and the handler has not
	// received: SendMsg does not wait for the handler, as on the wire.
	reqs      chan proto.Message
	closeSend chan struct{}
	closeOnce sync.Once
	sendDone  bool // CloseSend was called (the caller's goroutine only)
	// resps hands each message from the handler to the caller.
	resps chan proto.Message
	// done is closed when the handler has returned, err being its status.
	done chan struct{}
	err  error
	// ended runs the call options' after-effects once.
	ended sync.Once

	mu          sync.Mutex
	header      metadata.MD
	trailer     metadata.MD
	headerSent  bool
	headerReady chan struct{}
}

// finish records the handler's end: the header goes out if it did not.
func (s *streamCall) finish(err error) {
	s.mu.Lock()
	s.err = err
	s.sendHeaderLocked()
	s.mu.Unlock()
	close(s.done)
}

func (s *streamCall) sendHeaderLocked() {
	if !s.headerSent {
		s.headerSent = true
		close(s.headerReady)
	}
}

func (s *streamCall) setHeader(md metadata.MD, send bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.headerSent {
		return status.Error(codes.Internal, "transport: the stream is done or WriteHeader was already called")
	}
	s.header = metadata.Join(s.header, md)
	if send {
		s.sendHeaderLocked()
	}
	return nil
}

func (s *streamCall) setTrailer(md metadata.MD) {
	s.mu.Lock()
	s.trailer = metadata.Join(s.trailer, md)
	s.mu.Unlock()
}

// clientStream is the caller's end: grpc.ClientStream.
type clientStream streamCall

// Header implements grpc.ClientStream: it waits for the handler's header,
// or the end of the stream.
func (s *clientStream) Header() (metadata.MD, error) {
	select {
	case <-s.headerReady:
	case <-s.cctx.Done():
		return nil, status.FromContextError(s.cctx.Err()).Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.header, nil
}

// Trailer implements grpc.ClientStream; it is complete once RecvMsg
// returned an error or io.EOF.
func (s *clientStream) Trailer() metadata.MD {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.trailer
}

// CloseSend implements grpc.ClientStream.
func (s *clientStream) CloseSend() error {
	s.sendDone = true
	s.closeOnce.Do(func() { close(s.closeSend) })
	return nil
}

// Context implements grpc.ClientStream.
func (s *clientStream) Context() context.Context { return s.cctx }

// SendMsg implements grpc.ClientStream: the handler receives a copy of m.
// Once the stream has ended it returns io.EOF, and RecvMsg the status.
func (s *clientStream) SendMsg(m any) error {
	if s.sendDone {
		return status.Error(codes.Internal, "SendMsg called after CloseSend")
	}
	msg, ok := m.(proto.Message)
	if !ok {
		return status.Errorf(codes.Internal, "grpc: error while marshaling: message is %T, want proto.Message", m)
	}
	select {
	case s.reqs <- proto.Clone(msg):
		return nil
	case <-s.done:
		return io.EOF
	case <-s.cctx.Done():
		return status.FromContextError(s.cctx.Err()).Err()
	}
}

// RecvMsg implements grpc.ClientStream: m is reset and filled with the
// handler's next message. At the end it returns io.EOF when the handler
// returned nil, else its status error.
func (s *clientStream) RecvMsg(m any) error {
	select {
	case r := <-s.resps:
		return copyInto(m, r)
	case <-s.done:
		s.ended.Do(func() {
			s.mu.Lock()
			header, trailer := s.header, s.trailer
			s.mu.Unlock()
			after(s.opts, header, trailer, s.peer, s.err)
		})
		if s.err == nil {
			return io.EOF
		}
		return s.err
	case <-s.cctx.Done():
		return status.FromContextError(s.cctx.Err()).Err()
	}
}

// serverStream is the handler's end: grpc.ServerStream.
type serverStream streamCall

// SetHeader implements grpc.ServerStream.
func (s *serverStream) SetHeader(md metadata.MD) error { return (*streamCall)(s).setHeader(md, false) }

// SendHeader implements grpc.ServerStream.
func (s *serverStream) SendHeader(md metadata.MD) error { return (*streamCall)(s).setHeader(md, true) }

// SetTrailer implements grpc.ServerStream.
func (s *serverStream) SetTrailer(md metadata.MD) { (*streamCall)(s).setTrailer(md) }

// Context implements grpc.ServerStream.
func (s *serverStream) Context() context.Context { return s.sctx }

// SendMsg implements grpc.ServerStream: the caller receives a copy of m;
// it waits for the caller to take it, as flow control eventually does.
func (s *serverStream) SendMsg(m any) error {
	msg, ok := m.(proto.Message)
	if !ok {
		return status.Errorf(codes.Internal, "grpc: error while marshaling: message is %T, want proto.Message", m)
	}
	s.mu.Lock()
	(*streamCall)(s).sendHeaderLocked()
	s.mu.Unlock()
	select {
	case s.resps <- proto.Clone(msg):
		return nil
	case <-s.sctx.Done():
		return status.FromContextError(s.sctx.Err()).Err()
	}
}

// RecvMsg implements grpc.ServerStream: m is filled with the caller's
// next message, or io.EOF once the caller closed its side.
func (s *serverStream) RecvMsg(m any) error {
	// A message sent before CloseSend is delivered before io.EOF: try the
	// queue first, and again when the close is seen.
	select {
	case r := <-s.reqs:
		return copyInto(m, r)
	default:
	}
	select {
	case r := <-s.reqs:
		return copyInto(m, r)
	case <-s.closeSend:
		select {
		case r := <-s.reqs:
			return copyInto(m, r)
		default:
			return io.EOF
		}
	case <-s.sctx.Done():
		return status.FromContextError(s.sctx.Err()).Err()
	}
}

// streamTransport is the grpc.ServerTransportStream of a stream's context,
// for grpc.SetHeader, grpc.SendHeader and grpc.SetTrailer.
type streamTransport streamCall

// Method implements grpc.ServerTransportStream.
func (s *streamTransport) Method() string { return s.method }

// SetHeader implements grpc.ServerTransportStream.
func (s *streamTransport) SetHeader(md metadata.MD) error {
	return (*streamCall)(s).setHeader(md, false)
}

// SendHeader implements grpc.ServerTransportStream.
func (s *streamTransport) SendHeader(md metadata.MD) error {
	return (*streamCall)(s).setHeader(md, true)
}

// SetTrailer implements grpc.ServerTransportStream.
func (s *streamTransport) SetTrailer(md metadata.MD) error {
	(*streamCall)(s).setTrailer(md)
	return nil
}

// copyInto resets dst and fills it from src, a message no one else holds.
func copyInto(dst any, src proto.Message) error {
	d, ok := dst.(proto.Message)
	if !ok || d.ProtoReflect().Descriptor() != src.ProtoReflect().Descriptor() {
		return status.Errorf(codes.Internal, "grpc: failed to unmarshal the received message: %T into %T", src, dst)
	}
	proto.Reset(d)
	proto.Merge(d, src)
	return nil
}
