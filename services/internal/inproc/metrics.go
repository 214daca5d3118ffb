package inproc

import (
	"google.golang.org/grpc/codes"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics counts the calls of every Channel created with it.
type Metrics struct {
	calls *prometheus.CounterVec
}

// NewMetrics registers hookmesh_inprocess_calls_total on reg. Give one
// Metrics to all the channels of a registry: a second registration of the
// same name panics.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{calls: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hookmesh_inprocess_calls_total",
		Help: "gRPC calls and streams between services of one process (hookmesh run) carried in memory instead of over a connection, by method and status code.",
	}, []string{"method", "code"})}
	reg.MustRegister(m.calls)
	return m
}

// callCounter counts the calls of one method; its zero value counts
// nothing.
type callCounter struct {
	byMethod *prometheus.CounterVec
}

// counter returns the counter of method, curried once at registration so
// that a call looks up only its code.
func (m *Metrics) counter(method string) callCounter {
	if m == nil {
		return callCounter{}
	}
	return callCounter{byMethod: m.calls.MustCurryWith(prometheus.Labels{"method": method})}
}

func (c callCounter) inc(code codes.Code) {
	if c.byMethod != nil {
		c.byMethod.WithLabelValues(code.String()).Inc()
	}
}
