package server

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// Outcomes of a Record (label outcome of hookmesh_ledger_record_duration_seconds).
const (
	OutcomeCreated   = "created"
	OutcomeDuplicate = "duplicate"
	OutcomeError     = "error"
)

// Results of a filter evaluation (label result of
// hookmesh_ledger_filter_evaluations_total).
const (
	FilterMatched    = "matched"
	FilterNotMatched = "not_matched"
	FilterError      = "error"
)

// statsTimeout bounds the gauges' query on a scrape: a slow database must
// not hold a scrape past Prometheus's own timeout (10 s by default).
const statsTimeout = 3 * time.Second

var (
	pendingDesc = prometheus.NewDesc("hookmesh_pending_deliveries",
		"Deliveries not yet delivered nor dead-lettered (due, deferred for a retry or leased to a dispatcher), counted in the database at scrape time.",
		nil, nil)
	deadDesc = prometheus.NewDesc("hookmesh_dead_letters",
		"Deliveries in the dead-letter queue, counted in the database at scrape time.", nil, nil)
	jobsDesc = prometheus.NewDesc("hookmesh_ledger_jobs_running",
		"Background jobs (redeliveries, backfills) running, counted in the database at scrape time; their progress is in GET /v1/jobs.",
		nil, nil)
)

// Metrics is the ledger's metrics; a nil *Metrics records nothing.
type Metrics struct {
	record *prometheus.HistogramVec
	// streams counts open WatchEvents streams; stalls, those cut off
	// because their client stopped reading.
	streams prometheus.Gauge
	stalls  prometheus.Counter
	// filterMatched, filterNotMatched and filterFailed count the filter
	// verdicts by result (children resolved once: the hot path does no
	// label lookup); filterSeconds, the time spent evaluating them.
	filterMatched, filterNotMatched, filterFailed prometheus.Counter
	filterSeconds                                 prometheus.Counter
	// retention counts the retention passes (retention_metrics.go).
	retention *retentionMetrics
}

var _ store.FilterObserver = (*Metrics)(nil)

// NewMetrics registers the ledger's metrics on reg: the Record latency,
// and the pending and dead-letter gauges, which query s's store on each
// scrape.
func NewMetrics(reg prometheus.Registerer, s *Server) *Metrics {
	m := &Metrics{record: prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "hookmesh_ledger_record_duration_seconds",
		Help: "Time to store one webhook (receipt, event and deliveries in one transaction), by outcome (created, duplicate, error).",
		// One commit: a WAL flush on PostgreSQL, an fsync on SQLite.
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"outcome"})}
	for _, o := range []string{OutcomeCreated, OutcomeDuplicate, OutcomeError} {
		m.record.WithLabelValues(o)
	}
	m.streams = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "hookmesh_ledger_event_streams",
		Help: "WatchEvents streams open now (hookmesh listen, the console, other clients of the event stream).",
	})
	m.stalls = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "hookmesh_ledger_event_stream_stalls_total",
		Help: "WatchEvents streams ended with RESOURCE_EXHAUSTED because their client read nothing for the stall timeout.",
	})
	evals := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hookmesh_ledger_filter_evaluations_total",
		Help: "Subscription filters and ordering keys evaluated on new or re-normalized events (one per event and subscription with a filter or ordering key that its platforms and event types keep), by result (matched, not_matched, error).",
	}, []string{"result"})
	m.filterMatched = evals.WithLabelValues(FilterMatched)
	m.filterNotMatched = evals.WithLabelValues(FilterNotMatched)
	m.filterFailed = evals.WithLabelValues(FilterError)
	m.filterSeconds = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "hookmesh_ledger_filter_evaluation_seconds_total",
		Help: "Time spent evaluating subscription filters and ordering keys (the body's JSON parsing included), summed over the events that had at least one to evaluate.",
	})
	reg.MustRegister(m.record, m.streams, m.stalls, evals, m.filterSeconds, statsCollector{s})
	m.retention = newRetentionMetrics(reg, s)
	return m
}

func (m *Metrics) streamOpened() {
	if m != nil {
		m.streams.Inc()
	}
}

func (m *Metrics) streamClosed() {
	if m != nil {
		m.streams.Dec()
	}
}

func (m *Metrics) streamStalled() {
	if m != nil {
		m.stalls.Inc()
	}
}

func (m *Metrics) recorded(outcome string, took time.Duration) {
	if m == nil {
		return
	}
	m.record.WithLabelValues(outcome).Observe(took.Seconds())
}

// FiltersEvaluated implements store.FilterObserver.
func (m *Metrics) FiltersEvaluated(c store.FilterCounts) {
	if m == nil {
		return
	}
	m.filterMatched.Add(float64(c.Matched))
	m.filterNotMatched.Add(float64(c.NotMatched))
	m.filterFailed.Add(float64(c.Failed))
	m.filterSeconds.Add(c.Took.Seconds())
}

// statsCollector reads the gauges from the database when scraped rather
// than on a timer: nothing runs while nobody scrapes, and the value is
// never older than the scrape. Each count reads one partial index.
type statsCollector struct{ s *Server }

// Describe implements prometheus.Collector.
func (c statsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- pendingDesc
	ch <- deadDesc
	ch <- jobsDesc
}

// Collect implements prometheus.Collector. While the database is
// unreachable the gauges are reported as errors: the scrape still serves
// every other metric (promhttp.ContinueOnError) and counts the failure in
// promhttp_metric_handler_errors_total, and the gauges are absent rather
// than a misleading zero.
func (c statsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), statsTimeout)
	defer cancel()
	pending, dead, err := c.s.stats(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(pendingDesc, err)
		ch <- prometheus.NewInvalidMetric(deadDesc, err)
		ch <- prometheus.NewInvalidMetric(jobsDesc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(pendingDesc, prometheus.GaugeValue, float64(pending))
	ch <- prometheus.MustNewConstMetric(deadDesc, prometheus.GaugeValue, float64(dead))
	if jobs, err := c.s.runningJobs(ctx); err != nil {
		ch <- prometheus.NewInvalidMetric(jobsDesc, err)
	} else {
		ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(jobs))
	}
}
