package inproc

import (
	"context"
	"io"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// The test service, written as protoc-gen-go-grpc would write it, so the
// channel is exercised through the same handler shapes as the real
// services': a unary method, a server stream and a client stream.
const (
	testService = "inproc.test.Test"
	echo        = "/" + testService + "/Echo"
	watch       = "/" + testService + "/Watch"
	collect     = "/" + testService + "/Collect"
)

type testServer interface {
	Echo(context.Context, *wrapperspb.BytesValue) (*wrapperspb.BytesValue, error)
	Watch(*wrapperspb.BytesValue, grpc.ServerStreamingServer[wrapperspb.BytesValue]) error
	Collect(grpc.ClientStreamingServer[wrapperspb.BytesValue, wrapperspb.BytesValue]) error
}

var testDesc = grpc.ServiceDesc{
	ServiceName: testService,
	HandlerType: (*testServer)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Echo",
		Handler: func(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
			in := new(wrapperspb.BytesValue)
			if err := dec(in); err != nil {
				return nil, err
			}
			if interceptor == nil {
				return srv.(testServer).Echo(ctx, in)
			}
			info := &grpc.UnaryServerInfo{Server: srv, FullMethod: echo}
			return interceptor(ctx, in, info, func(ctx context.Context, req any) (any, error) {
				return srv.(testServer).Echo(ctx, req.(*wrapperspb.BytesValue))
			})
		},
	}},
	Streams: []grpc.StreamDesc{
		{
			StreamName: "Watch",
			Handler: func(srv any, stream grpc.ServerStream) error {
				m := new(wrapperspb.BytesValue)
				if err := stream.RecvMsg(m); err != nil {
					return err
				}
				return srv.(testServer).Watch(m, &grpc.GenericServerStream[wrapperspb.BytesValue, wrapperspb.BytesValue]{ServerStream: stream})
			},
			ServerStreams: true,
		},
		{
			StreamName: "Collect",
			Handler: func(srv any, stream grpc.ServerStream) error {
				return srv.(testServer).Collect(&grpc.GenericServerStream[wrapperspb.BytesValue, wrapperspb.BytesValue]{ServerStream: stream})
			},
			ClientStreams: true,
		},
	},
}

// testClient calls the test service as generated clients do.
type testClient struct{ cc grpc.ClientConnInterface }

func (c testClient) Echo(ctx context.Context, in *wrapperspb.BytesValue, opts ...grpc.CallOption) (*wrapperspb.BytesValue, error) {
	out := new(wrapperspb.BytesValue)
	if err := c.cc.Invoke(ctx, echo, in, out, opts...); err != nil {
		return nil, err
	}
	return out, nil
}

func (c testClient) Watch(ctx context.Context, in *wrapperspb.BytesValue, opts ...grpc.CallOption) (grpc.ServerStreamingClient[wrapperspb.BytesValue], error) {
	stream, err := c.cc.NewStream(ctx, &testDesc.Streams[0], watch, opts...)
	if err != nil {
		return nil, err
	}
	x := &grpc.GenericClientStream[wrapperspb.BytesValue, wrapperspb.BytesValue]{ClientStream: stream}
	if err := x.ClientStream.SendMsg(in); err != nil {
		return nil, err
	}
	if err := x.ClientStream.CloseSend(); err != nil {
		return nil, err
	}
	return x, nil
}

func (c testClient) Collect(ctx context.Context, opts ...grpc.CallOption) (grpc.ClientStreamingClient[wrapperspb.BytesValue, wrapperspb.BytesValue], error) {
	stream, err := c.cc.NewStream(ctx, &testDesc.Streams[1], collect, opts...)
	if err != nil {
		return nil, err
	}
	return &grpc.GenericClientStream[wrapperspb.BytesValue, wrapperspb.BytesValue]{ClientStream: stream}, nil
}

// fake is a testServer whose methods are set per test.
type fake struct {
	echo    func(context.Context, *wrapperspb.BytesValue) (*wrapperspb.BytesValue, error)
	watch   func(*wrapperspb.BytesValue, grpc.ServerStreamingServer[wrapperspb.BytesValue]) error
	collect func(grpc.ClientStreamingServer[wrapperspb.BytesValue, wrapperspb.BytesValue]) error
}

func (f *fake) Echo(ctx context.Context, in *wrapperspb.BytesValue) (*wrapperspb.BytesValue, error) {
	return f.echo(ctx, in)
}

func (f *fake) Watch(in *wrapperspb.BytesValue, s grpc.ServerStreamingServer[wrapperspb.BytesValue]) error {
	return f.watch(in, s)
}

func (f *fake) Collect(s grpc.ClientStreamingServer[wrapperspb.BytesValue, wrapperspb.BytesValue]) error {
	if f.collect != nil {
		return f.collect(s)
	}
	var all []byte
	for {
		m, err := s.Recv()
		if err == io.EOF {
			return s.SendAndClose(wrapperspb.Bytes(all))
		}
		if err != nil {
			return err
		}
		all = append(all, m.GetValue()...)
	}
}
