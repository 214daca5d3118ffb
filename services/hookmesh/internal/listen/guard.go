package listen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
)

// Resolver looks host names up; *net.Resolver is one. Tests pass a stub so
// that no name is looked up and nothing beyond loopback is ever dialled.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// DialFunc opens a connection, as net.Dialer.DialContext does.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// ErrNotLoopback refuses a forward target that is not on this machine.
var ErrNotLoopback = errors.New("not a loopback address")

// guard dials forward targets, only at loopback addresses unless remote is
// allowed. It resolves the name itself and dials the address it checked,
// so a name that resolves differently the second time (DNS rebinding)
// cannot slip past the check.
type guard struct {
	resolver Resolver
	dial     DialFunc
	remote   bool
}

// resolve returns the addresses of host (a name or an IP literal), all of
// them loopback unless remote is allowed.
func (g guard) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	var addrs []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{ip.Unmap()}
	} else {
		found, err := g.resolver.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return nil, fmt.Errorf("resolve %s: %w", host, err)
		}
		for _, a := range found {
			addrs = append(addrs, a.Unmap())
		}
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("resolve %s: no address", host)
	}
	if !g.remote {
		for _, a := range addrs {
			if !a.IsLoopback() {
				return nil, fmt.Errorf("forward target %s is %s, %w: events carry webhook bodies; "+
					"pass --allow-remote to send them off this machine", host, a, ErrNotLoopback)
			}
		}
	}
	return addrs, nil
}

// check resolves the host of hostport now, so that a refused target stops
// listen at its start rather than at its first event.
func (g guard) check(ctx context.Context, hostport string) error {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return fmt.Errorf("forward target %q: %w", hostport, err)
	}
	_, err = g.resolve(ctx, host)
	return err
}

// DialContext dials addr at one of its checked addresses.
func (g guard) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("forward: %w", err)
	}
	addrs, err := g.resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	var last error
	for _, a := range addrs {
		conn, err := g.dial(ctx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return conn, nil
		}
		last = err
	}
	return nil, last
}
