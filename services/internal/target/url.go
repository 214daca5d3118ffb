package target

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// maxURLBytes bounds an HTTP destination: room for a path and a query
// string, and still far from anything a server would take.
const maxURLBytes = 2048

// IsURL reports whether raw names an HTTP destination, an http:// or
// https:// URL (the scheme in any case), rather than a gRPC target.
func IsURL(raw string) bool {
	scheme, _, ok := strings.Cut(raw, "://")
	return ok && (strings.EqualFold(scheme, "https") || strings.EqualFold(scheme, "http"))
}

// parseURL reads an HTTP destination: http:// or https://, a host (name
// or IP literal, checked as a gRPC target's host is), an optional port
// (default 443, or 80 for http://), a path and a query. Credentials in the
// URL and fragments are refused: the first would be stored and shown
// with the subscription (requests are signed instead), the second is
// never sent.
func parseURL(raw string) (Target, string) {
	if len(raw) > maxURLBytes {
		return Target{}, fmt.Sprintf("URL longer than %d bytes", maxURLBytes)
	}
	u, err := url.Parse(raw)
	if err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err // without the URL, which the refusal already names
		}
		return Target{}, "not a URL: " + quoteIfOdd(err.Error())
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case u.User != nil:
		return Target{}, "credentials in the URL are refused: they would be stored and shown with the subscription (requests are signed with its secrets instead)"
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return Target{}, "a fragment (#...) is never sent: remove it"
	case u.Host == "" || u.Hostname() == "":
		return Target{}, "no host in the URL"
	}
	port := u.Port()
	if port == "" {
		port = "443"
		if scheme == "http" {
			port = "80"
		}
	}
	t, reason := parseEndpoint(net.JoinHostPort(u.Hostname(), port))
	if reason != "" {
		return Target{}, reason
	}
	// The canonical form: lower-case scheme and host, the port only when
	// the URL named one.
	switch {
	case u.Port() != "":
		u.Host = net.JoinHostPort(t.Host, strconv.Itoa(int(t.Port)))
	case t.Addr.Is6():
		u.Host = "[" + t.Host + "]"
	default:
		u.Host = t.Host
	}
	u.Scheme = scheme
	t.URL, t.Plaintext = u.String(), scheme == "http"
	return t, ""
}

// DialFunc opens a connection, as (*net.Dialer).DialContext does.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// Dialer opens the connections of HTTP destinations through a Policy:
// every new connection's host:port is resolved and checked (Resolve) and
// only the addresses that passed are dialled, so a host name that
// resolves to a refused address, or resolves differently after the check
// (DNS rebinding), is never reached. A refusal is a *RefusedError, a
// failed lookup a *LookupError, both without a packet sent.
type Dialer struct {
	// Policy is the allow list; nil means Default().
	Policy *Policy
	// Plaintext applies the rule of http:// URLs (only the http: entries):
	// set it on the dialer of plain HTTP connections.
	Plaintext bool
	// Dial opens the TCP connections to checked addresses; nil means a
	// net.Dialer. Tests pass a stub.
	Dial DialFunc
}

// DialContext dials addr (host:port) at the first of its checked
// addresses that answers.
func (d Dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	scheme := "https://"
	if d.Plaintext {
		scheme = "http://"
	}
	addrs, err := d.Policy.Resolve(ctx, scheme+addr)
	if err != nil {
		return nil, err
	}
	dial := d.Dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	var errs []error
	for _, a := range addrs {
		conn, err := dial(ctx, network, a.String())
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}
