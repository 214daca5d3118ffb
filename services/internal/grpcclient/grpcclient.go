// Package grpcclient opens the services' gRPC client connections, all with
// the same options: the caller's transport credentials, tracing, and
// round-robin balancing.
package grpcclient

import (
	"google.golang.org/grpc"

	"github.com/hookmesh/hookmesh/services/internal/tracing"
)

// serviceConfig selects round_robin: with a target that resolves to several
// addresses (the manifests' headless Services, "dns:///hookmesh-ledger:9092"),
// gRPC's default, pick_first, sends every call of a client to one of them,
// so each edge stuck to one ledger pod and a pod added by a scale-out got
// only clients that connected later. round_robin keeps a connection to
// every address and spreads calls over them. With one address it behaves
// as pick_first.
const serviceConfig = `{"loadBalancingConfig": [{"round_robin": {}}]}`

// New returns a client connection to target (lazy: it connects on first
// use and reconnects by itself). Its error is grpc's, which names the
// target; callers add what the connection is for.
func New(target string, creds grpc.DialOption, extra ...grpc.DialOption) (*grpc.ClientConn, error) {
	opts := append([]grpc.DialOption{creds, tracing.DialOption(), grpc.WithDefaultServiceConfig(serviceConfig)}, extra...)
	return grpc.NewClient(target, opts...)
}
