package dispatch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"

	"google.golang.org/grpc/resolver"

	"github.com/hookmesh/hookmesh/services/internal/target"
)

// checkedScheme names the gRPC resolver of a handler connection; it is
// registered per connection (grpc.WithResolvers), never globally.
const checkedScheme = "hookmesh-checked"

// recheckAfter is how long a target's checked addresses are used before
// the next call looks the name up again: DNS changes (a handler's pods
// moving) are followed within it, as gRPC's own DNS resolver follows them
// within its 30 s minimum between lookups.
const recheckAfter = 30 * time.Second

// lookupTimeout bounds one lookup within the call's own deadline.
const lookupTimeout = 5 * time.Second

// checkedAddrs holds the addresses of one handler target that passed the
// policy, and is the gRPC name resolver of that target's connection: gRPC
// balances over these addresses (round_robin, as for the services) and
// learns nothing from DNS itself. Its context dialer refuses any address
// not among them, so nothing unchecked is ever dialled.
type checkedAddrs struct {
	policy *target.Policy
	raw    string
	dial   DialFunc

	// refresh lets one lookup run at a time; the others wait for it.
	refresh sync.Mutex
	// push orders updates to gRPC: a Build must not send an older set
	// after check sent a newer one.
	push sync.Mutex

	mu        sync.Mutex
	addrs     []netip.AddrPort // the last allowed set; nil while refused
	refusal   error            // the last check's refusal
	checkedAt time.Time        // zero: check on the next call
	cc        resolver.ClientConn
}

func newCheckedAddrs(p *target.Policy, raw string, dial DialFunc) *checkedAddrs {
	return &checkedAddrs{policy: p, raw: raw, dial: dial}
}

// current returns the last result if it is recent enough.
func (s *checkedAddrs) current() (err error, fresh bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refusal, !s.checkedAt.IsZero() && time.Since(s.checkedAt) < recheckAfter
}

// check returns nil when the target's addresses (looked up again once the
// last check is recheckAfter old) all pass the policy, and otherwise the
// refusal or the failed lookup. A refusal is remembered like a pass; a
// failed lookup is not (the next call tries again: the retry policy paces
// them).
func (s *checkedAddrs) check(ctx context.Context) error {
	if err, fresh := s.current(); fresh {
		return err
	}
	s.refresh.Lock()
	defer s.refresh.Unlock()
	if err, fresh := s.current(); fresh {
		return err // another call refreshed meanwhile
	}
	lctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	addrs, err := s.policy.Resolve(lctx, s.raw)
	if _, lookupFailed := errors.AsType[*target.LookupError](err); lookupFailed {
		return err
	}
	s.push.Lock()
	defer s.push.Unlock()
	s.mu.Lock()
	s.checkedAt, s.refusal = time.Now(), err
	changed := err == nil && !slices.Equal(addrs, s.addrs)
	if err != nil {
		s.addrs = nil
	} else {
		s.addrs = addrs
	}
	cc := s.cc
	s.mu.Unlock()
	if changed && cc != nil {
		_ = cc.UpdateState(resolverState(addrs))
	}
	return err
}

// dialContext is the connection's dialer: only an address of the last
// allowed set is dialled.
func (s *checkedAddrs) dialContext(ctx context.Context, addr string) (net.Conn, error) {
	ap, err := netip.ParseAddrPort(addr)
	s.mu.Lock()
	allowed := err == nil && slices.Contains(s.addrs, ap)
	s.mu.Unlock()
	if !allowed {
		return nil, fmt.Errorf("target %s: address %s is not among those HOOKMESH_TARGET_ALLOW allowed at the last check", s.raw, addr)
	}
	return s.dial(ctx, "tcp", addr)
}

// Scheme implements resolver.Builder.
func (s *checkedAddrs) Scheme() string { return checkedScheme }

// Build implements resolver.Builder: gRPC calls it when the connection
// leaves idle, which is after a call's check, so the set is known.
func (s *checkedAddrs) Build(_ resolver.Target, cc resolver.ClientConn, _ resolver.BuildOptions) (resolver.Resolver, error) {
	s.push.Lock()
	defer s.push.Unlock()
	s.mu.Lock()
	s.cc = cc
	addrs := s.addrs
	s.mu.Unlock()
	if len(addrs) == 0 {
		cc.ReportError(fmt.Errorf("target %s: no address checked yet", s.raw))
	} else {
		_ = cc.UpdateState(resolverState(addrs))
	}
	return checkedResolver{s: s, cc: cc}, nil
}

// checkedResolver is the resolver.Resolver Build returns.
type checkedResolver struct {
	s  *checkedAddrs
	cc resolver.ClientConn
}

// ResolveNow asks for a lookup at the next call: gRPC calls it when a
// connection to an address fails, which is when the name may have moved.
func (r checkedResolver) ResolveNow(resolver.ResolveNowOptions) {
	r.s.mu.Lock()
	r.s.checkedAt = time.Time{}
	r.s.mu.Unlock()
}

// Close detaches gRPC (the connection went idle or closed).
func (r checkedResolver) Close() {
	r.s.mu.Lock()
	if r.s.cc == r.cc {
		r.s.cc = nil
	}
	r.s.mu.Unlock()
}

func resolverState(addrs []netip.AddrPort) resolver.State {
	eps := make([]resolver.Endpoint, len(addrs))
	for i, a := range addrs {
		eps[i] = resolver.Endpoint{Addresses: []resolver.Address{{Addr: a.String()}}}
	}
	return resolver.State{Endpoints: eps}
}
