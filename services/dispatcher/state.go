package dispatcher

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/sony/gobreaker/v2"

	"github.com/hookmesh/hookmesh/services/dispatcher/internal/breaker"
	"github.com/hookmesh/hookmesh/services/dispatcher/internal/dispatch"
)

var breakerStateDesc = prometheus.NewDesc("hookmesh_breaker_state",
	"State of the circuit breaker of each handler target: 0 closed, 1 half-open, 2 open.",
	[]string{"target"}, nil)

// breakerCollector reads the breakers when scraped: the state is already
// kept by gobreaker, and a copy updated on every change could drift.
type breakerCollector struct{ set *breaker.Set }

// Describe implements prometheus.Collector.
func (c breakerCollector) Describe(ch chan<- *prometheus.Desc) { ch <- breakerStateDesc }

// Collect implements prometheus.Collector. Targets are the handler
// addresses of the subscriptions, so the series are bounded by them.
func (c breakerCollector) Collect(ch chan<- prometheus.Metric) {
	for _, b := range c.set.Statuses() {
		ch <- prometheus.MustNewConstMetric(breakerStateDesc, prometheus.GaugeValue, stateValue(b.State), b.Target)
	}
}

// stateValue orders states by severity, so max() and "> 0" alerts work.
func stateValue(s gobreaker.State) float64 {
	switch s {
	case gobreaker.StateHalfOpen:
		return 1
	case gobreaker.StateOpen:
		return 2
	}
	return 0
}

// registerStateMetrics exposes the breakers and the work in flight, read
// at scrape time.
func registerStateMetrics(reg prometheus.Registerer, set *breaker.Set, d *dispatch.Dispatcher) {
	reg.MustRegister(breakerCollector{set}, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "hookmesh_dispatcher_in_flight",
		Help: "Deliveries this dispatcher is making now (bounded by HOOKMESH_DISPATCHER_CAPACITY).",
	}, func() float64 {
		n := 0
		for _, v := range d.InFlight() {
			n += v
		}
		return float64(n)
	}))
}
