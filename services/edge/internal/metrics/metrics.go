// Package metrics holds the edge's Prometheus metrics. Label values come
// from fixed sets only: the platform is one of the enabled ones (anything
// else is "unknown"), the status one of the codes the webhook route
// answers, so a sender cannot grow the number of series by what it sends.
package metrics

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// UnknownPlatform labels requests to a platform that is not enabled.
const UnknownPlatform = "unknown"

// Reasons a webhook was recorded without a normalized event (label reason
// of hookmesh_normalization_failures_total).
const (
	// ReasonRejected: the normalizer answered, but could not read the
	// payload (or answered an unexpected error).
	ReasonRejected = "rejected"
	// ReasonUnavailable: the normalizer did not answer in time.
	ReasonUnavailable = "unavailable"
	// ReasonEventID: the platform's event id could not be found, so the
	// event is keyed by its content instead.
	ReasonEventID = "event_id"
)

// Outcomes of a Record call (label outcome).
const (
	OutcomeCreated   = "created"
	OutcomeDuplicate = "duplicate"
	OutcomeError     = "error"
)

// latencyBuckets span a fast in-memory path (1 ms) to the slowest answer a
// platform still waits for (Slack gives 3 s; the edge's deadlines add up to
// 3 s by default).
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}

// statuses are the HTTP codes the webhook route answers; any other code
// is counted by its class ("2xx" ... "5xx").
var statuses = map[int]bool{200: true, 202: true, 204: true, 400: true, 401: true, 404: true, 405: true,
	413: true, 415: true, 429: true, 500: true, 503: true, 504: true}

// Edge is the edge's metrics. A nil *Edge records nothing, so unit tests
// that do not look at metrics need not build one.
type Edge struct {
	requests   *prometheus.CounterVec
	ack        *prometheus.HistogramVec
	normFailed *prometheus.CounterVec
	record     *prometheus.HistogramVec
	platforms  map[string]bool
}

// New registers the edge's metrics on reg, with a zero series per enabled
// platform so dashboards and rate() see every platform from the start.
func New(reg prometheus.Registerer, platforms []string) *Edge {
	m := &Edge{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hookmesh_webhook_requests_total",
			Help: "Webhook requests answered on POST /webhooks/{platform}, by platform and HTTP status code.",
		}, []string{"platform", "status"}),
		ack: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "hookmesh_webhook_ack_duration_seconds",
			Help:    "Time from receiving a webhook to its 2xx acknowledgement (verify, normalize, durable record), by platform.",
			Buckets: latencyBuckets,
		}, []string{"platform"}),
		normFailed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hookmesh_normalization_failures_total",
			Help: "Verified webhooks recorded raw, without a normalized event, by platform and reason (rejected, unavailable, event_id).",
		}, []string{"platform", "reason"}),
		record: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "hookmesh_edge_ledger_record_duration_seconds",
			Help:    "Duration of the ledger Record call as the edge sees it, by outcome (created, duplicate, error).",
			Buckets: latencyBuckets,
		}, []string{"outcome"}),
		platforms: make(map[string]bool, len(platforms)),
	}
	reg.MustRegister(m.requests, m.ack, m.normFailed, m.record)
	for _, p := range platforms {
		m.platforms[p] = true
		m.requests.WithLabelValues(p, "202")
		m.ack.WithLabelValues(p)
		for _, r := range []string{ReasonRejected, ReasonUnavailable, ReasonEventID} {
			m.normFailed.WithLabelValues(p, r)
		}
	}
	for _, o := range []string{OutcomeCreated, OutcomeDuplicate, OutcomeError} {
		m.record.WithLabelValues(o)
	}
	return m
}

// Platform returns the label value of a platform name.
func (m *Edge) Platform(name string) string {
	if m != nil && m.platforms[name] {
		return name
	}
	return UnknownPlatform
}

// Request counts one answered webhook request; a 2xx answer also records
// its acknowledgement latency.
func (m *Edge) Request(platform string, code int, took time.Duration) {
	if m == nil {
		return
	}
	platform = m.Platform(platform)
	m.requests.WithLabelValues(platform, statusLabel(code)).Inc()
	if code >= 200 && code < 300 {
		m.ack.WithLabelValues(platform).Observe(took.Seconds())
	}
}

// NormalizationFailed counts a webhook recorded without a normalized
// event.
func (m *Edge) NormalizationFailed(platform, reason string) {
	if m == nil {
		return
	}
	m.normFailed.WithLabelValues(m.Platform(platform), reason).Inc()
}

// Recorded observes one Record call.
func (m *Edge) Recorded(outcome string, took time.Duration) {
	if m == nil {
		return
	}
	m.record.WithLabelValues(outcome).Observe(took.Seconds())
}

func statusLabel(code int) string {
	if statuses[code] {
		return strconv.Itoa(code)
	}
	if code < 100 || code > 599 {
		return "other"
	}
	return strconv.Itoa(code/100) + "xx"
}
