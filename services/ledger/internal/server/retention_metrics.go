package server

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/ledger/internal/retention"
)

// SizesMaxAge is how long the table-size gauges may be reused: measuring
// counts every row on the embedded store, so a scrape measures at most
// once per SizesMaxAge and reports the last measure in between.
const SizesMaxAge = time.Minute

var (
	tableRowsDesc = prometheus.NewDesc("hookmesh_ledger_table_rows",
		"Rows of each table retention manages (receipts, events, deliveries, delivery_attempts, dedup_keys), measured at most once a minute on scrape.",
		[]string{"table"}, nil)
	tableBytesDesc = prometheus.NewDesc("hookmesh_ledger_table_bytes",
		"Bytes on disk of each table retention manages with its indexes (SQLite pages; PostgreSQL relation sizes), measured at most once a minute on scrape.",
		[]string{"table"}, nil)
	oldestEventDesc = prometheus.NewDesc("hookmesh_ledger_oldest_event_age_seconds",
		"Age of the oldest stored event (its receipt time), measured at most once a minute on scrape; absent when there is none.",
		nil, nil)
)

// retentionMetrics are the counters of the passes and the size gauges.
type retentionMetrics struct {
	passes   *prometheus.CounterVec
	dropped  *prometheus.CounterVec
	lastPass prometheus.Gauge
}

func newRetentionMetrics(reg prometheus.Registerer, s *Server) *retentionMetrics {
	m := &retentionMetrics{
		passes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hookmesh_ledger_retention_passes_total",
			Help: "Retention passes run (periodic or ApplyRetention, dry runs excluded), by result (ok, error).",
		}, []string{"result"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hookmesh_ledger_retention_rows_dropped_total",
			Help: "Rows retention dropped, by table (for receipts, deleted or with body and headers cleared).",
		}, []string{"table"}),
		lastPass: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hookmesh_ledger_retention_last_pass_seconds",
			Help: "Duration of the last retention pass.",
		}),
	}
	m.passes.WithLabelValues("ok")
	m.passes.WithLabelValues("error")
	reg.MustRegister(m.passes, m.dropped, m.lastPass, &sizesCollector{s: s})
	return m
}

// retained counts a pass that dropped (not a dry run).
func (m *Metrics) retained(rep retention.Report, ok bool) {
	if m == nil {
		return
	}
	if !ok {
		m.retention.passes.WithLabelValues("error").Inc()
	} else {
		m.retention.passes.WithLabelValues("ok").Inc()
	}
	m.retention.lastPass.Set(rep.Took.Seconds())
	for _, t := range rep.Tables {
		m.retention.dropped.WithLabelValues(t.Table).Add(float64(t.Rows))
	}
}

// sizesCollector reports RetentionSizes, measured at most once per
// SizesMaxAge, only when the store implements retention.
type sizesCollector struct {
	s  *Server
	mu sync.Mutex
	// at is when the last measure was taken; sz and err are its result
	// (a failed measure is not retried before SizesMaxAge either: counting
	// a large table is what may have failed).
	at  time.Time
	sz  retention.Sizes
	err error
}

// Describe implements prometheus.Collector.
func (c *sizesCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- tableRowsDesc
	ch <- tableBytesDesc
	ch <- oldestEventDesc
}

// Collect implements prometheus.Collector.
func (c *sizesCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.at) >= SizesMaxAge {
		ctx, cancel := context.WithTimeout(context.Background(), statsTimeout)
		c.sz, c.err = c.s.retentionSizes(ctx)
		cancel()
		// An unreachable database is asked again at the next scrape, as
		// the other gauges are.
		if !errors.Is(c.err, apperr.ErrUnavailable) {
			c.at = time.Now()
		}
	}
	switch {
	case errors.Is(c.err, apperr.ErrFailedPrecondition):
		return // no retention on this store: no gauges
	case c.err != nil:
		ch <- prometheus.NewInvalidMetric(tableRowsDesc, c.err)
		return
	}
	for _, t := range c.sz.Tables {
		ch <- prometheus.MustNewConstMetric(tableRowsDesc, prometheus.GaugeValue, float64(t.Rows), t.Table)
		ch <- prometheus.MustNewConstMetric(tableBytesDesc, prometheus.GaugeValue, float64(t.Bytes), t.Table)
	}
	if !c.sz.OldestEvent.IsZero() {
		ch <- prometheus.MustNewConstMetric(oldestEventDesc, prometheus.GaugeValue, time.Since(c.sz.OldestEvent).Seconds())
	}
}
