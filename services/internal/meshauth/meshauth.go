// Package meshauth authenticates the calls hookmesh services make to each
// other and checks that each caller may make them: the edge may Record and
// Normalize; the dispatcher may claim, complete, retry, dead-letter and
// release deliveries, run re-normalizations and Normalize; handlers and
// anyone else get nothing. Without it, anyone who reaches the ledger's gRPC
// port could record an unsigned "payment completed" or claim and drop real
// deliveries.
//
// A caller proves its role in one of two ways, whichever the cluster has:
//
//   - mTLS: the client certificate, verified against HOOKMESH_TLS_CA_FILE,
//     carries the role as a URI SAN spiffe://<trust-domain>/hookmesh/<role>
//     (for example spiffe://cluster.local/hookmesh/edge).
//   - Tokens, for clusters without a PKI: one shared secret per role,
//     HOOKMESH_INTERNAL_TOKEN_EDGE and HOOKMESH_INTERNAL_TOKEN_DISPATCHER. A
//     service sends its own role's token with every call to the ledger and
//     the normalizer (metadata "hookmesh-internal-token"); the ledger and
//     the normalizer accept the roles whose tokens they are given. Give each
//     service only the tokens it needs: the edge its own, the dispatcher its
//     own, the ledger and the normalizer both.
//
// A service whose gRPC listener is not on loopback refuses to start with
// neither configured, unless HOOKMESH_INSECURE_INTERNAL=true (logged
// loudly at start). The admin methods keep their own credential, the
// admin bearer token (package admin).
package meshauth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/hookmesh/hookmesh/services/internal/env"
)

// Role is what a caller may do.
type Role string

// The roles. Handlers have none: the dispatcher calls them, never the
// other way round.
const (
	// RoleEdge records webhooks and asks for their normalization.
	RoleEdge Role = "edge"
	// RoleDispatcher claims deliveries and reports their outcomes.
	RoleDispatcher Role = "dispatcher"
	// RoleAdmin calls the admin methods; only a client certificate gives
	// it (with tokens, admins use HOOKMESH_ADMIN_TOKEN).
	RoleAdmin Role = "admin"
)

// Roles are the roles a token may be configured for, in a stable order.
var Roles = []Role{RoleEdge, RoleDispatcher}

// Environment variables.
const (
	// TokenVarPrefix starts the token variable of each role: the role's
	// name in upper case follows (HOOKMESH_INTERNAL_TOKEN_EDGE).
	TokenVarPrefix = "HOOKMESH_INTERNAL_TOKEN_"
	// InsecureVar lets a service listen beyond loopback with no internal
	// authentication: for a network that is itself closed, never the
	// default.
	InsecureVar = "HOOKMESH_INSECURE_INTERNAL"
)

// MetadataKey carries a caller's role token.
const MetadataKey = "hookmesh-internal-token"

// MinTokenLen refuses tokens short enough to guess.
const MinTokenLen = 16

// TokenVar returns the variable holding role's token.
func TokenVar(role Role) string { return TokenVarPrefix + strings.ToUpper(string(role)) }

// Config is a service's internal authentication.
type Config struct {
	// Tokens holds the token of each role this service knows: a server
	// accepts a role's calls by token only when it holds that role's
	// token, and a client sends its own role's token.
	Tokens map[Role]string
	// MTLS is true when the gRPC server requires client certificates
	// (HOOKMESH_TLS_* set, HOOKMESH_TLS_CLIENT_AUTH=require): the role is
	// then read from the certificate too. Services set it from their TLS
	// configuration.
	MTLS bool
	// Insecure allows a non-loopback listener with neither tokens nor mTLS
	// (HOOKMESH_INSECURE_INTERNAL=true).
	Insecure bool
}

// FromEnv reads the token variables and InsecureVar through r, recording
// problems (a short token, two roles sharing one) on r. MTLS is left to
// the caller, which knows its TLS configuration.
func FromEnv(r *env.Reader) Config {
	c := Config{Insecure: r.Bool(InsecureVar, false)}
	seen := map[string]Role{}
	for _, role := range Roles {
		tok, ok := r.Lookup(TokenVar(role))
		if !ok {
			continue
		}
		if len(tok) < MinTokenLen {
			r.Fail("%s: a token must have at least %d characters (use e.g. `openssl rand -hex 32`)", TokenVar(role), MinTokenLen)
			continue
		}
		if other, dup := seen[tok]; dup {
			r.Fail("%s and %s hold the same token: each role needs its own", TokenVar(other), TokenVar(role))
			continue
		}
		seen[tok] = role
		if c.Tokens == nil {
			c.Tokens = map[Role]string{}
		}
		c.Tokens[role] = tok
	}
	return c
}

// Enabled reports whether calls are authenticated: by tokens, by client
// certificates, or both.
func (c Config) Enabled() bool { return len(c.Tokens) > 0 || c.MTLS }

// Mode names the ways in use, for the start-up log line.
func (c Config) Mode() string {
	var m []string
	if c.MTLS {
		m = append(m, "mtls")
	}
	if len(c.Tokens) > 0 {
		m = append(m, "tokens")
	}
	if len(m) == 0 {
		if c.Insecure {
			return "insecure"
		}
		return "off (loopback only)"
	}
	return strings.Join(m, "+")
}

// DialOptions returns what a client of role self adds to its connections
// to other hookmesh services: its token with every call, when it has one.
// Never use them for a handler target: a handler must not learn the token.
func (c Config) DialOptions(self Role) []grpc.DialOption {
	tok := c.Tokens[self]
	if tok == "" {
		return nil
	}
	return []grpc.DialOption{grpc.WithPerRPCCredentials(tokenCreds(tok))}
}

// CallOptions are DialOptions for a connection that is not dialled (an
// in-process channel, package inproc): the same token, as a call option
// every call carries, which the channel turns into metadata as gRPC
// would. Never use them for a handler target either.
func (c Config) CallOptions(self Role) []grpc.CallOption {
	tok := c.Tokens[self]
	if tok == "" {
		return nil
	}
	return []grpc.CallOption{grpc.PerRPCCredentials(tokenCreds(tok))}
}

// roleOfToken returns the role whose token tok is. Every role is compared,
// each in constant time over hashes, so neither the match nor the length
// of a configured token shows in the timing.
func (c Config) roleOfToken(tok string) (Role, bool) {
	g := sha256.Sum256([]byte(tok))
	var found Role
	for _, role := range Roles {
		want, ok := c.Tokens[role]
		if !ok {
			continue
		}
		w := sha256.Sum256([]byte(want))
		if subtle.ConstantTimeCompare(g[:], w[:]) == 1 {
			found = role
		}
	}
	return found, found != ""
}

// tokenCreds sends a role token with every call. It does not require
// transport security: token mode is for clusters without a PKI, whose
// network policies keep the traffic inside the namespace.
type tokenCreds string

// GetRequestMetadata implements credentials.PerRPCCredentials.
func (t tokenCreds) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{MetadataKey: string(t)}, nil
}

// RequireTransportSecurity implements credentials.PerRPCCredentials.
func (tokenCreds) RequireTransportSecurity() bool { return false }

var _ credentials.PerRPCCredentials = tokenCreds("")

// String keeps tokens out of logs and error messages.
func (c Config) String() string {
	roles := make([]string, 0, len(c.Tokens))
	for _, r := range Roles {
		if _, ok := c.Tokens[r]; ok {
			roles = append(roles, string(r))
		}
	}
	return fmt.Sprintf("meshauth{mode=%s token_roles=%v}", c.Mode(), roles)
}
