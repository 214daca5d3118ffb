module github.com/hookmesh/hookmesh/services/hookmesh

go 1.26.0

// Workspace modules: resolved from this repository, never from a proxy.
replace (
	github.com/hookmesh/hookmesh/examples => ../../examples
	github.com/hookmesh/hookmesh/gen => ../../gen
	github.com/hookmesh/hookmesh/services/dispatcher => ../dispatcher
	github.com/hookmesh/hookmesh/services/edge => ../edge
	github.com/hookmesh/hookmesh/services/internal => ../internal
	github.com/hookmesh/hookmesh/services/ledger => ../ledger
	github.com/hookmesh/hookmesh/services/normalizer => ../normalizer
)

require (
	github.com/hookmesh/hookmesh/services/edge v0.0.0
	github.com/hookmesh/hookmesh/services/internal v0.0.0
)

require (
	golang.org/x/sys v0.49.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20261019180522-ce908d29299b // indirect
	google.golang.org/grpc v1.85.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)
