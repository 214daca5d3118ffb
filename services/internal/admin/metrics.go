package admin

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// NewRegistry returns a registry of its own for one service, with the Go
// runtime and process collectors every Prometheus target is expected to
// have, and hookmesh_build_info. Services never use the global default
// registry: in the one-process runner each admin listener must show its
// own service's metrics, and tests must not see each other's.
func NewRegistry() *prometheus.Registry {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), buildInfoGauge())
	return r
}
