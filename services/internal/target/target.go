// Package target decides which handler targets hookmesh may dial: a
// subscription's target is an address chosen by whoever holds the admin
// token, and the dispatcher dials it from inside the cluster, so without a
// rule it reaches cloud metadata endpoints, local sockets and any host the
// dispatcher can (server-side request forgery, with the remote's answer
// shown back in last_error).
//
// The rule is the operator's HOOKMESH_TARGET_ALLOW (a Policy): CIDRs, host
// names, name suffixes and the keywords loopback and private, by default
// "loopback,private". Some addresses are refused whatever it says
// (link-local, which holds the 169.254.169.254 metadata address, other
// cloud metadata addresses, multicast, unspecified, broadcast), and only
// TCP targets are dialled: host:port, dns:///host:port or
// passthrough:///host:port, and HTTP destinations, https:// URLs (plain
// http:// only to what an entry written with http: in front allows:
// "http:loopback"; the body would travel unencrypted).
//
// The ledger checks a target when a subscription is created or changed
// (Policy.Check, and Policy.Resolve where DNS answers); the dispatcher
// checks it at every dial with Policy.Resolve and dials only the addresses
// that check returned, so a DNS answer that changes between check and dial
// (rebinding) cannot slip past. The dispatcher's HTTP client dials through a
// Dialer, which does the same for every new connection.
package target

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// DefaultPort is the port of a target that names none, as gRPC does.
const DefaultPort = 443

// maxTargetBytes bounds a target: a DNS name is at most 253 bytes, so
// anything much longer is not a target and is not worth parsing.
const maxTargetBytes = 512

// otherSchemes are gRPC resolver schemes a target may name without "//"
// ("unix:/tmp/x", "vsock:3:9000"): gRPC reads those as the scheme, never
// as a host, so they are refused as what they are.
var otherSchemes = map[string]bool{
	"unix": true, "unix-abstract": true, "vsock": true, "xds": true, "google-c2p": true,
	"dns": true, "passthrough": true,
}

// Target is a parsed TCP handler target: a gRPC target, or the host and
// port of an HTTP destination's URL.
type Target struct {
	// Host is a lower-case host name without a trailing dot, or the
	// canonical text of an IP literal.
	Host string
	// Port is 1 to 65535.
	Port uint16
	// Addr is the address of an IP literal; invalid for a host name.
	Addr netip.Addr
	// URL is the canonical text of an HTTP destination (http:// or
	// https://, see IsURL); empty for a gRPC target.
	URL string
	// Plaintext is set for an http:// URL: only addresses of the allow
	// list's http: entries may receive it.
	Plaintext bool
}

// String returns host:port, the form gRPC and net.Dial take.
func (t Target) String() string {
	return net.JoinHostPort(t.Host, strconv.Itoa(int(t.Port)))
}

// Parse reads a target as the dispatcher dials it: a gRPC target,
// host:port, dns:///host:port or passthrough:///host:port (the port
// defaults to 443, an empty host to localhost, as in gRPC), or an HTTP
// destination, an http:// or https:// URL (see parseURL). Every other form
// is refused with a *RefusedError: other schemes (unix:, unix-abstract:,
// vsock:, xds: ...), a DNS server in the target (dns://server/host), IPv6
// zones, malformed names and ports.
func Parse(raw string) (Target, error) {
	var t Target
	var reason string
	if IsURL(raw) {
		t, reason = parseURL(raw)
	} else {
		t, reason = parse(raw)
	}
	if reason != "" {
		return Target{}, &RefusedError{Target: raw, Reason: reason}
	}
	return t, nil
}

// parse returns the target or why it is refused.
func parse(raw string) (Target, string) {
	switch {
	case raw == "":
		return Target{}, "empty target"
	case len(raw) > maxTargetBytes:
		return Target{}, fmt.Sprintf("longer than %d bytes", maxTargetBytes)
	}
	endpoint := raw
	if scheme, rest, ok := strings.Cut(raw, "://"); ok {
		switch strings.ToLower(scheme) {
		case "dns", "passthrough":
		default:
			return Target{}, fmt.Sprintf("scheme %s is not a TCP target (only host:port, dns:///host:port, passthrough:///host:port and http(s):// URLs)", quoteIfOdd(scheme))
		}
		authority, path, ok := strings.Cut(rest, "/")
		if !ok {
			return Target{}, fmt.Sprintf("want %s:///host:port", strings.ToLower(scheme))
		}
		if authority != "" {
			return Target{}, fmt.Sprintf("a DNS server or authority in the target (%s) is not supported: want %s:///host:port", quoteIfOdd(authority), strings.ToLower(scheme))
		}
		endpoint = path
	} else if scheme, _, ok := strings.Cut(raw, ":"); ok && otherSchemes[strings.ToLower(scheme)] {
		scheme = strings.ToLower(scheme)
		if scheme == "dns" || scheme == "passthrough" {
			return Target{}, fmt.Sprintf("want %s:///host:port", scheme)
		}
		return Target{}, fmt.Sprintf("scheme %s is not a TCP target (only host:port, dns:///host:port, passthrough:///host:port and http(s):// URLs)", scheme)
	}
	return parseEndpoint(endpoint)
}

// parseEndpoint reads host:port, host alone or a bare IP literal.
func parseEndpoint(s string) (Target, string) {
	if s == "" {
		return Target{}, "no host"
	}
	host, port := s, strconv.Itoa(DefaultPort)
	if _, err := netip.ParseAddr(s); err == nil {
		host = s // a bare IP literal, IPv6 without brackets included
	} else if strings.Contains(s, ":") || strings.HasPrefix(s, "[") {
		h, p, err := net.SplitHostPort(s)
		if err != nil {
			return Target{}, fmt.Sprintf("not host:port: %s", strings.TrimPrefix(err.Error(), "address "+s+": "))
		}
		host, port = h, p
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil || n == 0 {
		return Target{}, fmt.Sprintf("port %s is not a number from 1 to 65535", quoteIfOdd(port))
	}
	if host == "" {
		host = "localhost" // ":9094" means this machine, in gRPC as in net.Dial
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if a.Zone() != "" {
			return Target{}, "an IPv6 zone is not allowed in a target"
		}
		return Target{Host: a.String(), Port: uint16(n), Addr: a}, ""
	}
	if strings.ContainsAny(host, "%[]") || strings.HasPrefix(s, "[") {
		return Target{}, fmt.Sprintf("host %s is not a valid IP address", quoteIfOdd(host))
	}
	name, ok := hostName(host)
	if !ok {
		return Target{}, fmt.Sprintf("host %s is not a valid host name", quoteIfOdd(host))
	}
	if a, err := netip.ParseAddr(name); err == nil {
		return Target{Host: a.String(), Port: uint16(n), Addr: a}, "" // "10.0.0.1." is the address
	}
	if otherSchemes[name] {
		// "unix:80" is a socket to gRPC: such a host cannot be written.
		return Target{}, fmt.Sprintf("host %s is the name of a gRPC scheme", name)
	}
	return Target{Host: name, Port: uint16(n)}, ""
}

// hostName validates a DNS name and returns it lower-cased without its
// trailing dot. Underscores are accepted: they appear in real names.
func hostName(s string) (string, bool) {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return "", false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return "", false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return "", false
			}
		}
	}
	return strings.ToLower(s), true
}

// quoteIfOdd quotes s when it holds anything but printable ASCII without
// spaces, so an error message shows a hostile target for what it is.
func quoteIfOdd(s string) string {
	if s == "" {
		return `""`
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' || s[i] == '"' {
			return strconv.Quote(s)
		}
	}
	return s
}
