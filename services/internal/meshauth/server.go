package meshauth

import (
	"context"
	"crypto/x509"
	"log/slog"
	"net/url"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/hookmesh/hookmesh/services/internal/grpcserver"
)

// Server checks every incoming call against the policy (Classify).
type Server struct {
	cfg Config
	// adminToken is set when HOOKMESH_ADMIN_TOKEN is: the admin
	// interceptor (package admin) then guards the admin methods alone.
	adminToken bool
	log        *slog.Logger
}

// NewServer returns the check for a service with cfg whose admin token is
// configured or not.
func NewServer(cfg Config, adminTokenSet bool, log *slog.Logger) *Server {
	return &Server{cfg: cfg, adminToken: adminTokenSet, log: log}
}

// Chain returns the interceptors, or none when internal authentication
// is off (the service then listens on loopback only, or runs with
// InsecureVar). Pass them to grpcserver.NewWithChain: they run inside its
// error-mapping interceptor, which keeps their statuses as they are, for
// calls over gRPC and in process alike.
func (s *Server) Chain() grpcserver.Chain {
	if !s.cfg.Enabled() {
		return grpcserver.Chain{}
	}
	return grpcserver.Chain{
		Unary: []grpc.UnaryServerInterceptor{func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			if err := s.Check(ctx, info.FullMethod); err != nil {
				return nil, err
			}
			return h(ctx, req)
		}},
		Stream: []grpc.StreamServerInterceptor{func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
			if err := s.Check(ss.Context(), info.FullMethod); err != nil {
				return err
			}
			return h(srv, ss)
		}},
	}
}

// Errors say what is missing, never which token was expected.
var (
	errNoCredential = status.Error(codes.Unauthenticated,
		"internal method: no credential (a client certificate with a hookmesh role, or the "+MetadataKey+" of a role)")
	errBadToken = status.Error(codes.Unauthenticated, "internal method: invalid "+MetadataKey)
	// errAdminNoCredential answers an admin call (the CLI's) on a service
	// with internal authentication but no admin token.
	errAdminNoCredential = status.Error(codes.Unauthenticated,
		"admin method: set HOOKMESH_ADMIN_TOKEN on the services and send it as a bearer token, or use a client certificate with the admin role")
	errDenied = status.Error(codes.PermissionDenied, "method not open to any caller")
)

// Check returns nil when the caller of ctx may call fullMethod, else an
// UNAUTHENTICATED (no or a wrong credential) or PERMISSION_DENIED (a valid
// credential whose role may not) status.
func (s *Server) Check(ctx context.Context, fullMethod string) error {
	if !s.cfg.Enabled() {
		return nil
	}
	class, roles := Classify(fullMethod)
	switch class {
	case Public:
		return nil
	case Denied:
		return errDenied
	case Admin:
		if s.adminToken {
			return nil // the admin interceptor checks the bearer token
		}
	}
	role, authenticated, err := s.identify(ctx)
	if err != nil {
		return err
	}
	if !authenticated {
		if class == Admin {
			return errAdminNoCredential
		}
		return errNoCredential
	}
	if allowed(role, roles) {
		return nil
	}
	shown := string(role)
	if shown == "" {
		shown = "none"
	}
	s.log.Warn("internal call refused", slog.String("method", fullMethod), slog.String("role", shown))
	if class == Admin {
		return status.Errorf(codes.PermissionDenied, "admin method %s: role %s may not call it; set HOOKMESH_ADMIN_TOKEN and send it as a bearer token", fullMethod, shown)
	}
	return status.Errorf(codes.PermissionDenied, "internal method %s: role %s may not call it", fullMethod, shown)
}

// identify returns the caller's role. authenticated is true when the
// caller proved who it is (a verified client certificate or a known
// token), even with no role; err is set for a token that matches none.
// A certificate's role wins over a token's: both come from the same
// service when both are configured.
func (s *Server) identify(ctx context.Context) (role Role, authenticated bool, err error) {
	if p, ok := peer.FromContext(ctx); ok {
		if info, ok := p.AuthInfo.(credentials.TLSInfo); ok && len(info.State.VerifiedChains) > 0 && len(info.State.VerifiedChains[0]) > 0 {
			authenticated = true
			if r := RoleOfCertificate(info.State.VerifiedChains[0][0]); r != "" {
				return r, true, nil
			}
		}
	}
	// ValueFromIncomingContext reads one key without copying the whole
	// metadata, as FromIncomingContext would on every call.
	if toks := metadata.ValueFromIncomingContext(ctx, MetadataKey); len(toks) > 0 {
		r, ok := s.cfg.roleOfToken(toks[0])
		if !ok {
			return "", false, errBadToken
		}
		return r, true, nil
	}
	return "", authenticated, nil
}

// RoleOfCertificate returns the role a client certificate carries: the
// last segment of a URI SAN spiffe://<trust-domain>/hookmesh/<role>, when
// it names a known role; "" otherwise.
func RoleOfCertificate(cert *x509.Certificate) Role {
	for _, u := range cert.URIs {
		if r := roleOfURI(u); r != "" {
			return r
		}
	}
	return ""
}

func roleOfURI(u *url.URL) Role {
	if u == nil || u.Scheme != "spiffe" || u.Host == "" {
		return ""
	}
	rest, ok := strings.CutPrefix(u.Path, "/hookmesh/")
	if !ok {
		return ""
	}
	switch r := Role(rest); r {
	case RoleEdge, RoleDispatcher, RoleAdmin:
		return r
	}
	return ""
}

// CertificateURI is the URI SAN that gives role to a client certificate,
// in trust domain td (for example "cluster.local").
func CertificateURI(td string, role Role) string {
	return "spiffe://" + td + "/hookmesh/" + string(role)
}
