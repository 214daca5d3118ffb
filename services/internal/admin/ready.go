package admin

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// GRPCReady returns a ReadyFunc that asks the gRPC health service of each
// connection (overall status) and fails unless every one reports SERVING:
// the edge needs the normalizer and the ledger, the dispatcher the ledger.
func GRPCReady(conns ...*grpc.ClientConn) ReadyFunc {
	return func(ctx context.Context) error {
		var errs []error
		for _, c := range conns {
			resp, err := healthpb.NewHealthClient(c).Check(ctx, &healthpb.HealthCheckRequest{})
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", c.Target(), err))
			} else if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
				errs = append(errs, fmt.Errorf("%s: %s", c.Target(), resp.GetStatus()))
			}
		}
		return errors.Join(errs...)
	}
}
