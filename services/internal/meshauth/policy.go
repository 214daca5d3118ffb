package meshauth

import (
	"slices"
	"strings"

	"github.com/hookmesh/hookmesh/services/internal/admin"
)

// Class is how a method is guarded.
type Class int

const (
	// Denied is every method not listed: closed by default, so a new RPC
	// is unreachable until someone decides who may call it.
	Denied Class = iota
	// Public methods need no internal credential: gRPC health (probes),
	// reflection (grpcurl) and EdgeService.Ingest, which authenticates
	// each webhook by the platform's signature.
	Public
	// Admin methods are the operator's (package admin): the admin bearer
	// token guards them when one is configured; otherwise, with internal
	// authentication on, only the edge (its REST API, whose own listener is
	// then loopback-only) and an admin certificate may call them.
	Admin
	// Internal methods are service to service: only the roles in Allowed.
	Internal
)

// internal is who may call each service-to-service method. It is the one
// list; the services' tests check every method of every descriptor is
// classified.
var internal = map[string][]Role{
	"/hookmesh.ledger.v1.LedgerService/Record":                {RoleEdge},
	"/hookmesh.ledger.v1.LedgerService/ClaimDeliveries":       {RoleDispatcher},
	"/hookmesh.ledger.v1.LedgerService/CompleteDelivery":      {RoleDispatcher},
	"/hookmesh.ledger.v1.LedgerService/RetryDelivery":         {RoleDispatcher},
	"/hookmesh.ledger.v1.LedgerService/DeadLetterDelivery":    {RoleDispatcher},
	"/hookmesh.ledger.v1.LedgerService/ReportOutcomes":        {RoleDispatcher},
	"/hookmesh.ledger.v1.LedgerService/WatchDeliveries":       {RoleDispatcher},
	"/hookmesh.ledger.v1.LedgerService/ReleaseLeases":         {RoleDispatcher},
	"/hookmesh.ledger.v1.LedgerService/ClaimNormalizations":   {RoleDispatcher},
	"/hookmesh.ledger.v1.LedgerService/CompleteNormalization": {RoleDispatcher},
	// The edge normalizes each webhook; the dispatcher's renormalizer
	// normalizes again what failed or was re-queued.
	"/hookmesh.normalizer.v1.NormalizerService/Normalize": {RoleEdge, RoleDispatcher},
}

// public lists methods, or service prefixes ending in "/", open to all.
var public = []string{
	"/hookmesh.edge.v1.EdgeService/Ingest",
	"/grpc.health.v1.Health/",
	"/grpc.reflection.v1.ServerReflection/",
	"/grpc.reflection.v1alpha.ServerReflection/",
}

// adminRoles may call admin methods when no admin token is configured.
var adminRoles = []Role{RoleEdge, RoleAdmin}

// Classify returns how fullMethod ("/pkg.Service/Method") is guarded and,
// for an Internal method, the roles allowed to call it.
func Classify(fullMethod string) (Class, []Role) {
	if roles, ok := internal[fullMethod]; ok {
		return Internal, roles
	}
	if admin.IsAdminMethod(fullMethod) {
		return Admin, adminRoles
	}
	for _, p := range public {
		if p == fullMethod || (strings.HasSuffix(p, "/") && strings.HasPrefix(fullMethod, p)) {
			return Public, nil
		}
	}
	return Denied, nil
}

// allowed reports whether role may call a method allowed to roles.
func allowed(role Role, roles []Role) bool { return role != "" && slices.Contains(roles, role) }
