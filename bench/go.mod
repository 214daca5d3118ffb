module github.com/hookmesh/hookmesh/bench

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
	github.com/hookmesh/hookmesh/tests => ../tests
)
