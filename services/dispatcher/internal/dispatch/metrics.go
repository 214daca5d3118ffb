package dispatch

import (
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

// Outcomes of one claimed delivery (label outcome of
// hookmesh_deliveries_total).
const (
	// OutcomeDelivered: the handler accepted the event.
	OutcomeDelivered = "delivered"
	// OutcomeRetried: a counted failure, scheduled again by the policy.
	OutcomeRetried = "retried"
	// OutcomeDeadLettered: the last attempt failed, or the error is not
	// retried (validation class).
	OutcomeDeadLettered = "dead_lettered"
	// OutcomeDeferred: the target's breaker is open; the attempt is not
	// counted.
	OutcomeDeferred = "deferred"
	// OutcomeReleased: handed back at shutdown for another dispatcher.
	OutcomeReleased = "released"
)

// Reports to the ledger (label report of
// hookmesh_dispatcher_report_failures_total).
const (
	reportComplete   = "complete"
	reportRetry      = "retry"
	reportDeadLetter = "dead_letter"
)

// Metrics is the dispatcher's delivery metrics; a nil *Metrics records
// nothing. Label values are subscription names (defined by operators, so
// bounded) and fixed sets; never event or delivery ids.
type Metrics struct {
	deliveries     *prometheus.CounterVec
	duration       *prometheus.HistogramVec
	retries        *prometheus.CounterVec
	reportFailures *prometheus.CounterVec
	transitions    *prometheus.CounterVec
	answers        *prometheus.CounterVec
	throttled      prometheus.Counter
}

// NewMetrics registers the delivery metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hookmesh_deliveries_total",
			Help: "Delivery attempts by subscription and outcome (delivered, retried, dead_lettered, deferred, released).",
		}, []string{"subscription", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "hookmesh_delivery_duration_seconds",
			Help: "Duration of calls to the subscription's handler (HandleEvent, or the POST to an HTTP destination), whatever their result (calls refused by an open breaker are not made, so not observed).",
			// Handlers answer in milliseconds to the subscription's
			// timeout (30 s by default).
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"subscription"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hookmesh_delivery_retries_total",
			Help: "Deliveries scheduled again, by subscription and error class (network, throttled, downstream; breaker_open for uncounted deferrals).",
		}, []string{"subscription", "class"}),
		reportFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hookmesh_dispatcher_report_failures_total",
			Help: "Outcome reports the ledger did not accept (the lease expires and the delivery is made again), by report (complete, retry, dead_letter).",
		}, []string{"report"}),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hookmesh_breaker_transitions_total",
			Help: "Circuit breaker state changes by handler target and the state entered (open, half-open, closed).",
		}, []string{"target", "state"}),
		answers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hookmesh_http_deliveries_total",
			Help: "POSTs to HTTP destinations by subscription and the HTTP status answered (code \"none\": no answer, a network error or the timeout).",
		}, []string{"subscription", "code"}),
		throttled: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hookmesh_dispatcher_throttled_waits_total",
			Help: "Claims after which this dispatcher waited for a subscription's rate (its next token) rather than for news or its poll.",
		}),
	}
	reg.MustRegister(m.deliveries, m.duration, m.retries, m.reportFailures, m.transitions, m.answers, m.throttled)
	for _, r := range []string{reportComplete, reportRetry, reportDeadLetter} {
		m.reportFailures.WithLabelValues(r)
	}
	return m
}

func (m *Metrics) outcome(sub, outcome string) {
	if m != nil {
		m.deliveries.WithLabelValues(sub, outcome).Inc()
	}
}

func (m *Metrics) called(sub string, took time.Duration) {
	if m != nil {
		m.duration.WithLabelValues(sub).Observe(took.Seconds())
	}
}

// answered counts a POST to an HTTP destination by its HTTP status, 0 for
// none. The label's values are bounded: statuses are three digits.
func (m *Metrics) answered(sub string, code int) {
	if m == nil {
		return
	}
	label := "none"
	if code >= 100 && code <= 999 {
		label = strconv.Itoa(code)
	}
	m.answers.WithLabelValues(sub, label).Inc()
}

func (m *Metrics) retried(sub string, class ledgerv1.ErrorClass) {
	if m != nil {
		m.retries.WithLabelValues(sub, ClassLabel(class)).Inc()
	}
}

// BreakerChanged counts one breaker transition of target into state
// ("open", "half-open", "closed"): an outage is a handful of these, where
// the per-delivery counters only see what was in flight when it began.
func (m *Metrics) BreakerChanged(target, state string) {
	if m != nil {
		m.transitions.WithLabelValues(target, state).Inc()
	}
}

func (m *Metrics) throttledWait() {
	if m != nil {
		m.throttled.Inc()
	}
}

func (m *Metrics) reportFailed(report string) {
	if m != nil {
		m.reportFailures.WithLabelValues(report).Inc()
	}
}

// ClassLabel is an error class as a label value: "network", "throttled",
// "downstream", "validation", "breaker_open" ("unspecified" for none).
func ClassLabel(c ledgerv1.ErrorClass) string {
	return strings.ToLower(strings.TrimPrefix(c.String(), "ERROR_CLASS_"))
}
