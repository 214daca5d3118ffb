package listen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/hookmesh/hookmesh/services/internal/target"
)

// Resolver looks host names up; *net.Resolver is one. Tests pass a stub so
// that no name is looked up and nothing beyond loopback is ever dialled.
type Resolver = target.Resolver

// DialFunc opens a connection, as net.Dialer.DialContext does.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// ErrNotLoopback refuses a forward target that is not on this machine.
var ErrNotLoopback = errors.New("not a loopback address")

// Allow lists of the forward targets, in the dispatcher's target policy
// language (services/internal/target): this machine only, or with
// --allow-remote any address but those the policy always refuses (cloud
// metadata, link-local, unspecified, multicast).
const (
	allowLoopback = "loopback"
	allowRemote   = "0.0.0.0/0,::/0"
)

// guard dials forward targets through a target.Policy, the checks the
// dispatcher applies to its handlers: the policy resolves the name itself
// and returns the addresses it checked, and guard dials those, so a name
// that resolves differently the second time (DNS rebinding) cannot slip
// past the check.
type guard struct {
	policy *target.Policy
	dial   DialFunc
	remote bool
}

func newGuard(r Resolver, dial DialFunc, remote bool) guard {
	spec := allowLoopback
	if remote {
		spec = allowRemote
	}
	p, err := target.ParsePolicy(spec)
	if err != nil {
		panic(fmt.Sprintf("listen: allow list %q: %v", spec, err)) // constants
	}
	return guard{policy: p.WithResolver(r), dial: dial, remote: remote}
}

// resolve returns the checked addresses of hostport (host alone means
// port 443, as in the policy).
func (g guard) resolve(ctx context.Context, hostport string) ([]netip.AddrPort, error) {
	addrs, err := g.policy.Resolve(ctx, hostport)
	var refused *target.RefusedError
	if errors.As(err, &refused) && !g.remote {
		return nil, fmt.Errorf("forward %w (%w): events carry webhook bodies; "+
			"pass --allow-remote to send them off this machine", err, ErrNotLoopback)
	}
	if err != nil {
		return nil, fmt.Errorf("forward: %w", err)
	}
	return addrs, nil
}

// check resolves hostport now, so that a refused target stops listen at
// its start rather than at its first event.
func (g guard) check(ctx context.Context, hostport string) error {
	_, err := g.resolve(ctx, hostport)
	return err
}

// DialContext dials addr at one of its checked addresses.
func (g guard) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	addrs, err := g.resolve(ctx, addr)
	if err != nil {
		return nil, err
	}
	var last error
	for _, a := range addrs {
		conn, err := g.dial(ctx, network, a.String())
		if err == nil {
			return conn, nil
		}
		last = err
	}
	return nil, last
}
