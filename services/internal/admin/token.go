package admin

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"slices"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/hookmesh/hookmesh/services/internal/grpcserver"
)

// Methods are the admin gRPC methods: those an operator (or the edge's
// REST gateway on the operator's behalf) calls to read or change state.
// When a token is configured they require "authorization: Bearer <token>"
// metadata. This is the one list; the services' tests check every name
// against the generated service descriptors.
//
// Every other method is service-to-service and open to the internal
// network: LedgerService Record, ClaimDeliveries, CompleteDelivery,
// RetryDelivery, DeadLetterDelivery, ReportOutcomes, WatchDeliveries,
// ReleaseLeases (a dispatcher's own leases, at its start),
// ClaimNormalizations and CompleteNormalization;
// NormalizerService.Normalize; EventHandlerService.HandleEvent; and
// EdgeService.Ingest, which authenticates each webhook by its signature.
// gRPC health and reflection stay open too (probes, grpcurl).
var Methods = []string{
	"/hookmesh.ledger.v1.LedgerService/GetEvent",
	"/hookmesh.ledger.v1.LedgerService/ListEvents",
	"/hookmesh.ledger.v1.LedgerService/WatchEvents",
	"/hookmesh.ledger.v1.LedgerService/ListDeliveries",
	"/hookmesh.ledger.v1.LedgerService/ListDeadLetters",
	"/hookmesh.ledger.v1.LedgerService/ReplayDeadLetter",
	"/hookmesh.ledger.v1.LedgerService/ReplayDeadLetters",
	"/hookmesh.ledger.v1.LedgerService/RenormalizeEvents",
	"/hookmesh.ledger.v1.LedgerService/CreateSubscription",
	"/hookmesh.ledger.v1.LedgerService/UpdateSubscription",
	"/hookmesh.ledger.v1.LedgerService/GetSubscription",
	"/hookmesh.ledger.v1.LedgerService/ListSubscriptions",
	"/hookmesh.ledger.v1.LedgerService/PauseSubscription",
	"/hookmesh.ledger.v1.LedgerService/ResumeSubscription",
	"/hookmesh.ledger.v1.LedgerService/DeleteSubscription",
	"/hookmesh.ledger.v1.LedgerService/TestFilter",
	"/hookmesh.ledger.v1.LedgerService/RedeliverSubscription",
	"/hookmesh.ledger.v1.LedgerService/GetJob",
	"/hookmesh.ledger.v1.LedgerService/ListJobs",
	"/hookmesh.ledger.v1.LedgerService/CancelJob",
	"/hookmesh.ledger.v1.LedgerService/GetDeliveryStats",
	"/hookmesh.ledger.v1.LedgerService/ApplyRetention",
	"/hookmesh.dispatcher.v1.DispatcherService/GetStatus",
}

// IsAdminMethod reports whether fullMethod ("/pkg.Service/Method") is in
// Methods.
func IsAdminMethod(fullMethod string) bool { return slices.Contains(Methods, fullMethod) }

// tokenMatches compares in constant time. Both sides are hashed first so
// that the comparison does not reveal the token's length either.
func tokenMatches(got, want string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

// bearer returns the token of an "Authorization: Bearer <token>" value;
// the scheme is case-insensitive (RFC 6750).
func bearer(v string) (string, bool) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// RequireToken wraps handlers so that they answer 401 unless the request
// carries the bearer token. An empty token lets everything through: the
// bind guard (Listen) then keeps the listener on loopback.
func RequireToken(token string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if token == "" {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if got, ok := bearer(r.Header.Get("Authorization")); ok && tokenMatches(got, token) {
				next.ServeHTTP(w, r)
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="hookmesh-admin"`)
			// The error shape of the REST API ({code, message}), code 16
			// being UNAUTHENTICATED.
			writeJSON(w, http.StatusUnauthorized, map[string]any{
				"code": int(codes.Unauthenticated), "message": "missing or invalid admin token", "details": []any{},
			})
		})
	}
}

// errUnauthenticated says no more than that the token is wrong or absent.
var errUnauthenticated = status.Error(codes.Unauthenticated, "admin method: missing or invalid bearer token")

// checkMetadata enforces the token on admin methods.
func checkMetadata(ctx context.Context, token, method string) error {
	if token == "" || !IsAdminMethod(method) {
		return nil
	}
	for _, v := range metadata.ValueFromIncomingContext(ctx, "authorization") {
		if got, ok := bearer(v); ok && tokenMatches(got, token) {
			return nil
		}
	}
	return errUnauthenticated
}

// ServerOptions returns the interceptors that require the token on the
// admin Methods; none when token is empty. Pass them to grpcserver.New:
// they run inside its error-mapping interceptor, which keeps their
// UNAUTHENTICATED status as is.
func ServerOptions(token string) []grpc.ServerOption {
	if token == "" {
		return nil
	}
	return []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(UnaryInterceptor(token)),
		grpc.ChainStreamInterceptor(StreamInterceptor(token)),
	}
}

// Chain returns the same interceptors as a grpcserver.Chain, which runs
// them for calls over gRPC and in process alike; empty when token is
// empty.
func Chain(token string) grpcserver.Chain {
	if token == "" {
		return grpcserver.Chain{}
	}
	return grpcserver.Chain{
		Unary:  []grpc.UnaryServerInterceptor{UnaryInterceptor(token)},
		Stream: []grpc.StreamServerInterceptor{StreamInterceptor(token)},
	}
}

// UnaryInterceptor refuses admin unary calls without the token.
func UnaryInterceptor(token string) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		if err := checkMetadata(ctx, token, info.FullMethod); err != nil {
			return nil, err
		}
		return h(ctx, req)
	}
}

// StreamInterceptor refuses admin streams without the token.
func StreamInterceptor(token string) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
		if err := checkMetadata(ss.Context(), token, info.FullMethod); err != nil {
			return err
		}
		return h(srv, ss)
	}
}

// ClientToken returns the dial options of a client that calls admin
// methods (the hookmesh CLI): every call carries the bearer token. None
// when token is empty.
func ClientToken(token string) []grpc.DialOption {
	if token == "" {
		return nil
	}
	return []grpc.DialOption{grpc.WithPerRPCCredentials(bearerCreds(token))}
}

// bearerCreds sends the token as metadata. It does not require transport
// security: the internal network is plaintext until mTLS is configured,
// and the services check the token either way.
type bearerCreds string

// GetRequestMetadata implements credentials.PerRPCCredentials.
func (b bearerCreds) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + string(b)}, nil
}

// RequireTransportSecurity implements credentials.PerRPCCredentials.
func (bearerCreds) RequireTransportSecurity() bool { return false }

var _ credentials.PerRPCCredentials = bearerCreds("")
