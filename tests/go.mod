module github.com/hookmesh/hookmesh/tests

go 1.26.0

// Workspace modules: resolved from this repository, never from a proxy.
replace (
	github.com/hookmesh/hookmesh/examples => ../examples
	github.com/hookmesh/hookmesh/gen => ../gen
	github.com/hookmesh/hookmesh/services/dispatcher => ../services/dispatcher
	github.com/hookmesh/hookmesh/services/edge => ../services/edge
	github.com/hookmesh/hookmesh/services/hookmesh => ../services/hookmesh
	github.com/hookmesh/hookmesh/services/internal => ../services/internal
	github.com/hookmesh/hookmesh/services/ledger => ../services/ledger
	github.com/hookmesh/hookmesh/services/normalizer => ../services/normalizer
)

require (
	github.com/google/uuid v1.6.0
	github.com/hookmesh/hookmesh/gen v0.0.0
	github.com/hookmesh/hookmesh/services/edge v0.0.0
	github.com/jackc/pgx/v5 v5.12.0
	google.golang.org/grpc v1.85.0
	google.golang.org/protobuf v1.36.12
)

require (
	github.com/grpc-ecosystem/grpc-gateway/v2 v2.33.0 // indirect
	github.com/hookmesh/hookmesh/services/internal v0.0.0 // indirect
	github.com/jackc/pgpassfile v1.0.0 // indirect
	github.com/jackc/pgservicefile v0.0.0-20240606120523-5a60cdf6a761 // indirect
	golang.org/x/net v0.61.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.43.0 // indirect
	google.golang.org/genproto/googleapis/api v0.0.0-20261026165753-2ffab32bce7e // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20261019180522-ce908d29299b // indirect
)
