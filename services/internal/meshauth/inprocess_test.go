package meshauth

import (
	"context"
	"log/slog"
	"net"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/hookmesh/hookmesh/services/internal/grpcserver"
	"github.com/hookmesh/hookmesh/services/internal/inproc"
)

// recordDesc is a stand-in for LedgerService with its Record and
// ClaimDeliveries: the policy is by method name, so any messages do.
var recordDesc = grpc.ServiceDesc{
	ServiceName: "hookmesh.ledger.v1.LedgerService",
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{
		{MethodName: "Record", Handler: emptyHandler(record)},
		{MethodName: "ClaimDeliveries", Handler: emptyHandler(claim)},
	},
}

func emptyHandler(full string) grpc.MethodHandler {
	return func(_ any, ctx context.Context, dec func(any) error, ic grpc.UnaryServerInterceptor) (any, error) {
		in := new(emptypb.Empty)
		if err := dec(in); err != nil {
			return nil, err
		}
		return ic(ctx, in, &grpc.UnaryServerInfo{FullMethod: full}, func(context.Context, any) (any, error) { return &emptypb.Empty{}, nil })
	}
}

// TestInProcessTokens: through an in-process channel the caller's token
// goes as it does over the wire (CallOptions instead of DialOptions), and
// the server's Check decides the same way.
func TestInProcessTokens(t *testing.T) {
	t.Parallel()
	cfg := Config{Tokens: map[Role]string{RoleEdge: edgeTok, RoleDispatcher: dispatcherTok}}
	gs := grpcserver.NewWithChain(slog.New(slog.DiscardHandler), NewServer(cfg, false, slog.New(slog.DiscardHandler)).Chain())
	ch := inproc.NewChannel("ledger", nil)
	gs.ServeInProcess(ch)
	gs.RegisterService(&recordDesc, struct{}{})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- gs.Serve(ctx, lis) }()
	defer func() { cancel(); <-done }()

	call := func(method string, opts ...grpc.CallOption) codes.Code {
		for {
			err := ch.Invoke(context.Background(), method, &emptypb.Empty{}, &emptypb.Empty{}, opts...)
			if st := status.Convert(err); st.Code() != codes.Unavailable {
				return st.Code()
			}
		}
	}
	for _, tc := range []struct {
		name   string
		method string
		opts   []grpc.CallOption
		want   codes.Code
	}{
		{"edge records", record, cfg.CallOptions(RoleEdge), codes.OK},
		{"edge claims", claim, cfg.CallOptions(RoleEdge), codes.PermissionDenied},
		{"dispatcher claims", claim, cfg.CallOptions(RoleDispatcher), codes.OK},
		{"no token", record, nil, codes.Unauthenticated},
		{"a role without a token", record, Config{}.CallOptions(RoleEdge), codes.Unauthenticated},
	} {
		if got := call(tc.method, tc.opts...); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
