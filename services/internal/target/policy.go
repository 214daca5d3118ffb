package target

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"

	"github.com/hookmesh/hookmesh/services/internal/env"
)

// EnvVar holds the allow list.
const EnvVar = "HOOKMESH_TARGET_ALLOW"

// DefaultAllow is the allow list when EnvVar is unset: the machine itself
// and the private networks, where handlers run next to hookmesh.
const DefaultAllow = "loopback,private"

// Resolver looks up a host's addresses; *net.Resolver is one, tests use
// stubs so that no lookup leaves the machine.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// keywords of the allow list.
var keywords = map[string][]netip.Prefix{
	"loopback": {netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")},
	// RFC 1918 and the IPv6 unique local addresses (RFC 4193).
	"private": {netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12"),
		netip.MustParsePrefix("192.168.0.0/16"), netip.MustParsePrefix("fc00::/7")},
}

// refusedRange is a range no allow list opens, and what it is.
type refusedRange struct {
	prefix netip.Prefix
	what   string
}

// alwaysRefused are refused whatever HOOKMESH_TARGET_ALLOW says: nothing
// a webhook handler is, and what an attacker with a subscription wants.
var alwaysRefused = []refusedRange{
	// 0.0.0.0 and the rest of "this network": Linux connects them to the
	// machine itself.
	{netip.MustParsePrefix("0.0.0.0/8"), "unspecified"},
	{netip.MustParsePrefix("::/128"), "unspecified"},
	// Holds 169.254.169.254, the metadata service of AWS, GCP, Azure,
	// OpenStack and most others.
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
	{netip.MustParsePrefix("255.255.255.255/32"), "broadcast"},
	// Metadata services outside link-local: AWS's over IPv6 (inside the
	// private fc00::/7), Alibaba Cloud's, Azure's WireServer and Oracle
	// Cloud's legacy one.
	{netip.MustParsePrefix("fd00:ec2::254/128"), "a cloud metadata address"},
	{netip.MustParsePrefix("100.100.100.200/32"), "a cloud metadata address"},
	{netip.MustParsePrefix("168.63.129.16/32"), "a cloud metadata address"},
	{netip.MustParsePrefix("192.0.0.192/32"), "a cloud metadata address"},
}

// nat64 is the well-known NAT64 prefix (RFC 6052): where a NAT64 gateway
// runs, 64:ff9b::a9fe:a9fe reaches 169.254.169.254.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// Policy is a parsed allow list with the resolver its checks use. nil
// means Default(). It is immutable and safe for concurrent use.
type Policy struct {
	spec string
	// all is what any target may reach; plain the part of it that plain
	// http:// URLs may reach (the http: entries).
	all, plain allowSet
	resolver   Resolver
}

// allowSet is the addresses and names of some entries of an allow list.
type allowSet struct {
	prefixes []netip.Prefix
	names    map[string]bool
	// suffixes hold ".svc.cluster.local" for "*.svc.cluster.local".
	suffixes []string
}

// httpPrefix marks an entry that also allows plain http:// URLs
// ("http:loopback", "http:*.svc.cluster.local"): webhook bodies then
// travel unencrypted, so no entry allows it unless it says so.
const httpPrefix = "http:"

var defaultPolicy = func() *Policy {
	p, err := ParsePolicy(DefaultAllow)
	if err != nil {
		panic(err)
	}
	return p
}()

// Default returns the policy of DefaultAllow with the system resolver.
func Default() *Policy { return defaultPolicy }

// ParsePolicy parses an allow list: comma-separated CIDRs (10.0.0.0/8,
// fd00::/8), IP addresses, exact host names (payments.internal), name
// suffixes (*.svc.cluster.local) and the keywords loopback and private;
// an entry written with http: in front (http:loopback) also lets plain
// http:// URLs reach what it allows, which no other entry does. An entry
// that lies wholly in an always-refused range is an error: it could never
// allow anything. The policy uses the system resolver.
func ParsePolicy(spec string) (*Policy, error) {
	p := &Policy{all: allowSet{names: map[string]bool{}}, plain: allowSet{names: map[string]bool{}}, resolver: net.DefaultResolver}
	var entries []string
	var errs []error
	for e := range strings.SplitSeq(spec, ",") {
		if e = strings.TrimSpace(e); e == "" {
			continue
		}
		entries = append(entries, e)
		if err := p.add(e); err != nil {
			errs = append(errs, fmt.Errorf("entry %s: %w", quoteIfOdd(e), err))
		}
	}
	if len(entries) == 0 {
		errs = append(errs, errors.New("no entries (unset it for the default, "+DefaultAllow+")"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	p.spec = strings.Join(entries, ",")
	return p, nil
}

// add parses one entry into p: into both sets when it is an http: entry.
func (p *Policy) add(e string) error {
	if len(e) >= len(httpPrefix) && strings.EqualFold(e[:len(httpPrefix)], httpPrefix) {
		rest := e[len(httpPrefix):]
		if err := p.all.add(rest); err != nil {
			return err
		}
		return p.plain.add(rest)
	}
	return p.all.add(e)
}

// add parses one entry (without http:) into s.
func (s *allowSet) add(e string) error {
	if ps, ok := keywords[strings.ToLower(e)]; ok {
		s.prefixes = append(s.prefixes, ps...)
		return nil
	}
	if strings.Contains(e, "/") {
		pf, err := netip.ParsePrefix(e)
		if err != nil {
			return errors.New("not a CIDR such as 10.0.0.0/8 or fd00::/8")
		}
		return s.addPrefix(pf)
	}
	if a, err := netip.ParseAddr(e); err == nil {
		if a.Zone() != "" {
			return errors.New("an IPv6 zone is not allowed")
		}
		return s.addPrefix(netip.PrefixFrom(a, a.BitLen()))
	}
	if rest, ok := strings.CutPrefix(e, "*."); ok {
		name, ok := hostName(rest)
		if !ok {
			return errors.New("not a name suffix such as *.svc.cluster.local")
		}
		s.suffixes = append(s.suffixes, "."+name)
		return nil
	}
	name, ok := hostName(e)
	if !ok || strings.Contains(e, "*") {
		return errors.New("not a CIDR, an IP address, a host name, *.suffix, loopback or private (with http: in front to allow plain http:// too)")
	}
	s.names[name] = true
	return nil
}

func (s *allowSet) addPrefix(pf netip.Prefix) error {
	pf = pf.Masked()
	if pf.Addr().Is4In6() && pf.Bits() >= 96 {
		// Checks see IPv4-mapped addresses as IPv4.
		pf = netip.PrefixFrom(pf.Addr().Unmap(), pf.Bits()-96)
	}
	for _, r := range alwaysRefused {
		if r.prefix.Bits() <= pf.Bits() && r.prefix.Contains(pf.Addr()) {
			return fmt.Errorf("%s is %s, which is always refused", pf, r.what)
		}
	}
	s.prefixes = append(s.prefixes, pf)
	return nil
}

// FromEnv reads EnvVar through r: unset means Default(); a malformed value
// is reported through r (and Default() returned meanwhile).
func FromEnv(r *env.Reader) *Policy {
	v, ok := r.Lookup(EnvVar)
	if !ok {
		return Default()
	}
	p, err := ParsePolicy(v)
	if err != nil {
		r.Fail("%s=%q: %v", EnvVar, v, err)
		return Default()
	}
	return p
}

// WithResolver returns a copy of p that resolves host names through r.
func (p *Policy) WithResolver(r Resolver) *Policy {
	c := *p.get()
	c.resolver = r
	return &c
}

// String returns the allow list, as error messages quote it.
func (p *Policy) String() string { return p.get().spec }

func (p *Policy) get() *Policy {
	if p == nil {
		return defaultPolicy
	}
	return p
}

// RefusedError is a target the policy refuses; Reason names the rule.
type RefusedError struct {
	// Target is the target as given.
	Target string
	// Reason says which rule refused it.
	Reason string
}

// Error returns "target <target>: <reason>".
func (e *RefusedError) Error() string { return "target " + quoteIfOdd(e.Target) + ": " + e.Reason }

// LookupError is a host name that did not resolve: nothing is known about
// its addresses yet, so it is neither allowed nor refused.
type LookupError struct {
	// Target is the target as given; Host its host name.
	Target, Host string
	// Err is the resolver's error.
	Err error
}

// Error names the target, the host and the resolver's error.
func (e *LookupError) Error() string {
	return fmt.Sprintf("target %s: resolve %s: %v", quoteIfOdd(e.Target), e.Host, e.Err)
}

// Unwrap returns the resolver's error.
func (e *LookupError) Unwrap() error { return e.Err }

// Check parses raw and applies every rule that needs no DNS: the form, and
// for an IP literal its address. A host name passes (Resolve checks its
// addresses). A refusal is a *RefusedError.
func (p *Policy) Check(raw string) (Target, error) {
	p = p.get()
	t, err := Parse(raw)
	if err != nil {
		return Target{}, err
	}
	if t.Addr.IsValid() {
		if rule := p.refusal(t.Addr, false); rule != "" {
			return Target{}, &RefusedError{Target: raw, Reason: fmt.Sprintf("address %s is %s", t.Addr, rule)}
		}
		if t.Plaintext && !p.plain.contains(t.Addr) {
			return Target{}, &RefusedError{Target: raw, Reason: p.plainRefusal("address " + t.Addr.String())}
		}
	}
	return t, nil
}

// plainRefusal says why what (an address, or a host and its address) may
// not receive plain http://.
func (p *Policy) plainRefusal(what string) string {
	return fmt.Sprintf("%s may not receive plain http://: no http: entry of %s (%s) allows it (use https://, or add one such as http:loopback)",
		what, EnvVar, p.spec)
}

// Resolve checks raw completely and returns the addresses to dial: the IP
// literal, or every address its host resolves to. A host name matched by a
// name or suffix entry is allowed unless it resolves to an always-refused
// address; any other host is allowed only when every address it resolves
// to is in the list. A refusal is a *RefusedError, a failed lookup a
// *LookupError. Dial these addresses, never the name again: a second
// lookup could answer differently.
func (p *Policy) Resolve(ctx context.Context, raw string) ([]netip.AddrPort, error) {
	p = p.get()
	t, err := p.Check(raw)
	if err != nil {
		return nil, err
	}
	if t.Addr.IsValid() {
		return []netip.AddrPort{netip.AddrPortFrom(t.Addr.Unmap(), t.Port)}, nil
	}
	addrs, err := p.resolver.LookupNetIP(ctx, "ip", t.Host)
	if err == nil && len(addrs) == 0 {
		err = errors.New("no addresses")
	}
	if err != nil {
		return nil, &LookupError{Target: raw, Host: t.Host, Err: err}
	}
	byName := p.all.matchesName(t.Host)
	plainByName := p.plain.matchesName(t.Host)
	out := make([]netip.AddrPort, 0, len(addrs))
	for _, a := range addrs {
		a = a.Unmap().WithZone("")
		if rule := p.refusal(a, byName); rule != "" {
			return nil, &RefusedError{Target: raw, Reason: fmt.Sprintf("host %s resolves to %s, which is %s", t.Host, a, rule)}
		}
		if t.Plaintext && !plainByName && !p.plain.contains(a) {
			return nil, &RefusedError{Target: raw, Reason: p.plainRefusal(fmt.Sprintf("host %s (resolving to %s)", t.Host, a))}
		}
		if ap := netip.AddrPortFrom(a, t.Port); !slices.Contains(out, ap) {
			out = append(out, ap)
		}
	}
	return out, nil
}

// refusal returns the rule that refuses a, or "": always-refused ranges
// first, then the list unless byName (the host matched a name entry).
func (p *Policy) refusal(a netip.Addr, byName bool) string {
	a = a.Unmap().WithZone("")
	if what := alwaysRefusedAs(a); what != "" {
		return what + " (always refused)"
	}
	if byName || p.all.contains(a) {
		return ""
	}
	return fmt.Sprintf("not in %s (%s)", EnvVar, p.spec)
}

// contains reports whether a (unmapped, without zone) is in a prefix of s.
func (s *allowSet) contains(a netip.Addr) bool {
	a = a.Unmap().WithZone("")
	for _, pf := range s.prefixes {
		if pf.Contains(a) {
			return true
		}
	}
	return false
}

// alwaysRefusedAs returns what a is when no list may allow it, or "".
func alwaysRefusedAs(a netip.Addr) string {
	for _, r := range alwaysRefused {
		if r.prefix.Contains(a) {
			return r.what
		}
	}
	if nat64.Contains(a) {
		b := a.As16()
		if what := alwaysRefusedAs(netip.AddrFrom4([4]byte(b[12:]))); what != "" {
			return what + " behind NAT64"
		}
	}
	return ""
}

// matchesName reports whether host is a name entry or under a suffix.
func (s *allowSet) matchesName(host string) bool {
	if s.names[host] {
		return true
	}
	for _, suffix := range s.suffixes {
		if strings.HasSuffix(host, suffix) {
			return true
		}
	}
	return false
}
