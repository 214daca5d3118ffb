package console

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

// Edge metrics the overview reads from /metrics (the admin listener's,
// through the same guard as any scrape).
const (
	metricRequests     = "hookmesh_webhook_requests_total"
	metricAck          = "hookmesh_webhook_ack_duration_seconds"
	metricNormFailures = "hookmesh_normalization_failures_total"
)

// maxSamples is how many overview samples the charts show (at the page's
// 5 s refresh, ten minutes).
const maxSamples = 120

// minSampleGap keeps several open overviews from crowding the charts.
const minSampleGap = 2 * time.Second

// sample is the edge's counters at one time.
type sample struct {
	at                 time.Time
	accepted, refused  float64
	ackCount, ackSum   float64
	normFailuresTotal  float64
	requestsByPlatform map[string]float64
}

// sampler keeps the recent samples: the rates are differences between
// them (counters only ever grow, but for a restart, which shows as zero).
type sampler struct {
	mu      sync.Mutex
	samples []sample
}

func newSampler() *sampler { return &sampler{} }

// add records s unless the last sample is too recent, and returns a copy
// of the samples.
func (p *sampler) add(s sample) []sample {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.samples); n == 0 || s.at.Sub(p.samples[n-1].at) >= minSampleGap {
		p.samples = append(p.samples, s)
		if len(p.samples) > maxSamples {
			p.samples = slices.Delete(p.samples, 0, len(p.samples)-maxSamples)
		}
	}
	return slices.Clone(p.samples)
}

// parseMetrics reads the edge's counters from the /metrics text.
func parseMetrics(text []byte, at time.Time) (sample, error) {
	s := sample{at: at, requestsByPlatform: map[string]float64{}}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(bytes.NewReader(text))
	if err != nil {
		return s, fmt.Errorf("read /metrics: %w", err)
	}
	label := func(m *dto.Metric, name string) string {
		for _, l := range m.GetLabel() {
			if l.GetName() == name {
				return l.GetValue()
			}
		}
		return ""
	}
	for _, m := range fams[metricRequests].GetMetric() {
		v := m.GetCounter().GetValue()
		if strings.HasPrefix(label(m, "status"), "2") {
			s.accepted += v
			s.requestsByPlatform[label(m, "platform")] += v
		} else {
			s.refused += v
		}
	}
	for _, m := range fams[metricAck].GetMetric() {
		s.ackCount += float64(m.GetHistogram().GetSampleCount())
		s.ackSum += m.GetHistogram().GetSampleSum()
	}
	for _, m := range fams[metricNormFailures].GetMetric() {
		s.normFailuresTotal += m.GetCounter().GetValue()
	}
	return s, nil
}

// point is one chart value.
type point struct {
	at time.Time
	v  float64
}

// series derives per-interval values from consecutive samples.
func series(samples []sample, f func(prev, cur sample) (float64, bool)) []point {
	var out []point
	for i := 1; i < len(samples); i++ {
		if v, ok := f(samples[i-1], samples[i]); ok {
			out = append(out, point{samples[i].at, v})
		}
	}
	return out
}

// rate is the per-second increase of a counter between two samples; a
// decrease (a restart) is no value.
func rate(get func(sample) float64) func(prev, cur sample) (float64, bool) {
	return func(prev, cur sample) (float64, bool) {
		d := cur.at.Sub(prev.at).Seconds()
		dv := get(cur) - get(prev)
		if d <= 0 || dv < 0 {
			return 0, false
		}
		return dv / d, true
	}
}

// ackMillis is the mean acknowledgement time of the webhooks between two
// samples, in milliseconds.
func ackMillis(prev, cur sample) (float64, bool) {
	n := cur.ackCount - prev.ackCount
	if n <= 0 {
		return 0, false
	}
	return (cur.ackSum - prev.ackSum) / n * 1000, true
}

// chart draws a small line chart as inline SVG (no script, no style
// attribute: the page's CSP allows neither inline).
func chart(label string, pts []point, unit string) template.HTML {
	const w, h = 300.0, 60.0
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %g %g" role="img" aria-label="%s" preserveAspectRatio="none">`, w, h, template.HTMLEscapeString(label))
	fmt.Fprintf(&b, `<rect x="0" y="0" width="%g" height="%g" class="chart-bg"/>`, w, h)
	if len(pts) >= 2 {
		top := 0.0
		for _, p := range pts {
			top = max(top, p.v)
		}
		if top == 0 {
			top = 1
		}
		t0, t1 := pts[0].at, pts[len(pts)-1].at
		span := t1.Sub(t0).Seconds()
		b.WriteString(`<polyline class="chart-line" fill="none" points="`)
		for _, p := range pts {
			x := w * p.at.Sub(t0).Seconds() / span
			y := h - 4 - (h-20)*p.v/top // the top 16 units hold the label
			fmt.Fprintf(&b, "%.1f,%.1f ", x, y)
		}
		b.WriteString(`"/>`)
		fmt.Fprintf(&b, `<text x="4" y="12" class="chart-text">max %s %s</text>`, template.HTMLEscapeString(fmtNum(top)), template.HTMLEscapeString(unit))
	} else {
		b.WriteString(`<text x="4" y="34" class="chart-text">collecting samples…</text>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // built above from numbers and escaped text
}

func fmtNum(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 1:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// overview is the dashboard page; its numbers are the stats fragment.
func (c *Console) overview(w http.ResponseWriter, r *http.Request, s session) error {
	data, err := c.statsData(r, s)
	if err != nil {
		return err
	}
	data["Title"] = "Overview"
	c.pages.render(w, r, "overview", s, data)
	return nil
}

// overviewStats is the fragment htmx polls.
func (c *Console) overviewStats(w http.ResponseWriter, r *http.Request, s session) error {
	data, err := c.statsData(r, s)
	if err != nil {
		return err
	}
	c.pages.fragment(w, "overview", "stats", s, data)
	return nil
}

func (c *Console) statsData(r *http.Request, s session) (map[string]any, error) {
	text, err := c.call(r, s, http.MethodGet, "/metrics", nil, nil)
	if err != nil {
		return nil, err
	}
	cur, err := parseMetrics(text, time.Now())
	if err != nil {
		return nil, err
	}
	samples := c.stats.add(cur)
	acceptRate := series(samples, rate(func(s sample) float64 { return s.accepted }))
	failRate := series(samples, rate(func(s sample) float64 { return s.normFailuresTotal }))
	ack := series(samples, ackMillis)
	last := func(p []point) string {
		if len(p) == 0 {
			return "–"
		}
		return fmtNum(p[len(p)-1].v)
	}
	// The latest interval's mean, or (with no webhook in it) the mean
	// since the edge started.
	ackNow, ackWhen := last(ack), "last interval"
	if len(ack) == 0 || ack[len(ack)-1].at != cur.at {
		ackWhen = "since start"
		ackNow = "–"
		if cur.ackCount > 0 {
			ackNow = fmtNum(cur.ackSum / cur.ackCount * 1000)
		}
	}

	stats, bySub, breakers, err := c.deliveryStats(r, s)
	if err != nil {
		return nil, err
	}
	subs := &ledgerv1.ListSubscriptionsResponse{}
	if err := c.get(r, s, "/v1/subscriptions", nil, subs); err != nil {
		return nil, err
	}
	paused := 0
	for _, sub := range subs.GetSubscriptions() {
		if sub.GetPaused() {
			paused++
		}
	}
	// One row per platform with webhooks accepted (the edge's counter
	// since its start) or events stored without normalization (the
	// ledger's count, durable).
	type platformRow struct {
		Platform               string
		Accepted, Unnormalized float64
	}
	rows := map[string]*platformRow{}
	row := func(p string) *platformRow {
		if rows[p] == nil {
			rows[p] = &platformRow{Platform: p}
		}
		return rows[p]
	}
	for _, p := range stats.GetNormalizationFailures() {
		row(p.GetPlatform()).Unnormalized = float64(p.GetCount())
	}
	for k, v := range cur.requestsByPlatform {
		if v > 0 { // the edge exports a zero series per platform
			row(k).Accepted = v
		}
	}
	byPlatform := make([]platformRow, 0, len(rows))
	for _, r := range rows {
		byPlatform = append(byPlatform, *r)
	}
	slices.SortFunc(byPlatform, func(a, b platformRow) int { return strings.Compare(a.Platform, b.Platform) })
	return map[string]any{
		"Accepted": cur.accepted, "Refused": cur.refused, "AcceptRate": last(acceptRate), "AckMillis": ackNow, "AckWhen": ackWhen,
		"AcceptChart":       chart("webhooks accepted per second", acceptRate, "/s"),
		"AckChart":          chart("mean acknowledgement time in milliseconds", ack, "ms"),
		"FailChart":         chart("normalization failures per second", failRate, "/s"),
		"NormFailuresTotal": cur.normFailuresTotal, "ByPlatform": byPlatform,
		"DeadLetters": stats.GetDead(), "Pending": stats.GetPending(), "InFlight": stats.GetInFlight(),
		"SubStats": bySub, "Breakers": breakers, "Subscriptions": subs.GetSubscriptions(), "Paused": paused,
		"SampledAt": cur.at.UTC().Format("15:04:05Z"),
	}, nil
}
