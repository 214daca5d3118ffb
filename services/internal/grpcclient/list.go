package grpcclient

import (
	"fmt"
	"net"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/resolver"
)

// listScheme names the resolver of a target that lists its replicas'
// addresses ("10.0.0.5:9092,10.0.0.6:9092"), for deployments without a
// DNS name that resolves to all of them (several ledgers on one host,
// virtual machines, the replica test). round_robin then spreads the calls
// over every address that is up and stops sending to one that is down
// until it answers again.
const listScheme = "hookmesh-list"

// listTarget returns, for a target made of several comma-separated
// "host:port" addresses, the target to dial and the resolver that feeds it
// those addresses; ok is false for any other target, which gRPC resolves
// as before (a URL such as "dns:///ledger:9092" or a single address).
func listTarget(target string) (dial string, opt grpc.DialOption, ok bool, err error) {
	if !strings.Contains(target, ",") || strings.Contains(target, "://") {
		return "", nil, false, nil
	}
	var eps []resolver.Endpoint
	for _, a := range strings.Split(target, ",") {
		a = strings.TrimSpace(a)
		host, port, err := net.SplitHostPort(a)
		if err != nil || host == "" || port == "" {
			return "", nil, false, fmt.Errorf("target %q: %q is not host:port (a list of replicas is host:port,host:port)", target, a)
		}
		// ServerName: TLS checks each replica's certificate against its
		// own host, as it would for a target naming only that replica.
		eps = append(eps, resolver.Endpoint{Addresses: []resolver.Address{{Addr: a, ServerName: host}}})
	}
	b := &listBuilder{state: resolver.State{Endpoints: eps}}
	return listScheme + ":///" + target, grpc.WithResolvers(b), true, nil
}

// listBuilder hands gRPC a fixed list of addresses.
type listBuilder struct{ state resolver.State }

// Scheme implements resolver.Builder.
func (b *listBuilder) Scheme() string { return listScheme }

// Build implements resolver.Builder.
func (b *listBuilder) Build(_ resolver.Target, cc resolver.ClientConn, _ resolver.BuildOptions) (resolver.Resolver, error) {
	if err := cc.UpdateState(b.state); err != nil {
		return nil, fmt.Errorf("list resolver: %w", err)
	}
	return listResolver{}, nil
}

// listResolver has nothing to look up again: the list is the
// configuration.
type listResolver struct{}

// ResolveNow implements resolver.Resolver.
func (listResolver) ResolveNow(resolver.ResolveNowOptions) {}

// Close implements resolver.Resolver.
func (listResolver) Close() {}
