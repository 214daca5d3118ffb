module github.com/hookmesh/hookmesh/services/normalizer

go 1.26.0

require (
	github.com/hookmesh/hookmesh/gen v0.0.0
	github.com/hookmesh/hookmesh/services/internal v0.0.0
	github.com/prometheus/client_golang v1.25.0
	google.golang.org/grpc v1.85.0
	google.golang.org/protobuf v1.36.12
)

require (
	github.com/beorn7/perks v1.0.1 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/munnerz/goautoneg v0.0.0-20191010083416-a7dc8b61c822 // indirect
	github.com/prometheus/client_model v0.6.3 // indirect
	github.com/prometheus/common v0.72.0 // indirect
	github.com/prometheus/procfs v0.22.0 // indirect
	go.yaml.in/yaml/v2 v2.4.4 // indirect
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
