module github.com/hookmesh/hookmesh/services/normalizer

go 1.26.0

require (
	github.com/hookmesh/hookmesh/gen v0.0.0
	github.com/hookmesh/hookmesh/services/internal v0.0.0
	google.golang.org/grpc v1.85.0
	google.golang.org/protobuf v1.36.12
)

require (
	go.yaml.in/yaml/v2 v2.4.2 // indirect
	golang.org/x/net v0.61.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.43.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20261019180522-ce908d29299b // indirect
	sigs.k8s.io/yaml v1.6.0 // indirect
)

// Workspace modules: resolved from this repository, never from a proxy.
replace (
	github.com/hookmesh/hookmesh/gen => ../../gen
	github.com/hookmesh/hookmesh/services/internal => ../internal
)
