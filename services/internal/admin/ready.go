package admin

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/hookmesh/hookmesh/services/internal/grpcclient"
)

// GRPCReady returns a ReadyFunc that asks the gRPC health service of each
// connection (overall status) and fails unless every one reports SERVING:
// the edge needs the normalizer and the ledger, the dispatcher the ledger.
// A connection is a *grpc.ClientConn or an in-process channel (package
// inproc), whose services' health answers the same way; errors name its
// Target.
func GRPCReady(conns ...grpc.ClientConnInterface) ReadyFunc {
	return func(ctx context.Context) error {
		var errs []error
		for _, c := range conns {
			resp, err := healthpb.NewHealthClient(c).Check(ctx, &healthpb.HealthCheckRequest{})
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", grpcclient.Target(c), err))
			} else if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
				errs = append(errs, fmt.Errorf("%s: %s", grpcclient.Target(c), resp.GetStatus()))
			}
		}
		return errors.Join(errs...)
	}
}
