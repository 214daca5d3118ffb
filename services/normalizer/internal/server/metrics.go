package server

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Outcomes of a Normalize call (label outcome).
const (
	// OutcomeMapped: a typed event.
	OutcomeMapped = "mapped"
	// OutcomeUnmapped: an event whose type the mapping table does not know
	// (EVENT_TYPE_UNMAPPED, original type kept).
	OutcomeUnmapped = "unmapped"
	// OutcomeFailed: the payload could not be read.
	OutcomeFailed = "failed"
)

// unknownPlatform labels a request for a platform the normalizer does not
// know: the name comes from the caller, so it never becomes a label value.
const unknownPlatform = "unknown"

// Metrics is the normalizer's metrics; a nil *Metrics records nothing.
type Metrics struct {
	requests  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	platforms map[string]bool
}

// NewMetrics registers the normalizer's metrics on reg, with a zero series
// per known platform and outcome.
func NewMetrics(reg prometheus.Registerer, platforms []string) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hookmesh_normalizer_requests_total",
			Help: "Normalize calls by platform and outcome (mapped, unmapped, failed).",
		}, []string{"platform", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "hookmesh_normalizer_duration_seconds",
			Help: "Time to normalize one payload, by platform.",
			// A pure function of the payload: microseconds to milliseconds.
			Buckets: []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1},
		}, []string{"platform"}),
		platforms: map[string]bool{},
	}
	reg.MustRegister(m.requests, m.duration)
	for _, p := range platforms {
		m.platforms[p] = true
		for _, o := range []string{OutcomeMapped, OutcomeUnmapped, OutcomeFailed} {
			m.requests.WithLabelValues(p, o)
		}
	}
	return m
}

func (m *Metrics) observe(platform, outcome string, took time.Duration) {
	if m == nil {
		return
	}
	if !m.platforms[platform] {
		platform = unknownPlatform
	}
	m.requests.WithLabelValues(platform, outcome).Inc()
	m.duration.WithLabelValues(platform).Observe(took.Seconds())
}
