package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/bench/internal/load"
)

// Target is one of the targets and whether this run met it.
type Target struct {
	Name   string  `json:"name"`
	Value  float64 `json:"value"`
	Limit  string  `json:"target"`
	Pass   bool    `json:"pass"`
	Detail string  `json:"detail,omitempty"`
}

// Ratio compares a system with the baseline on one step (above 1: the
// system slower or costlier, except the rate).
type Ratio struct {
	System      string  `json:"system"`
	Step        string  `json:"step"`
	Achieved    float64 `json:"achieved_rate"`
	P50         float64 `json:"ack_p50"`
	P99         float64 `json:"ack_p99"`
	P999        float64 `json:"ack_p999"`
	CPUPerWebhk float64 `json:"cpu_per_webhook"`
}

func (r *run) find(system, step string) *Step {
	for _, s := range r.steps {
		if s.System == system && s.Name == step {
			return s
		}
	}
	return nil
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return round3(a / b)
}

// sustained is the highest open-loop rate whose ack p99 stayed under
// 100 ms with under 1 % errors, nothing abandoned, and at least 95 % of
// the target rate acked.
func (r *run) sustained(system string) float64 {
	best := 0.0
	for _, s := range r.steps {
		if s.System != system || s.Mode != "open" || !strings.HasPrefix(s.Name, "rate-") {
			continue
		}
		if s.Ack.P99 < 100 && s.ErrorRate < 0.01 && s.NotSent == 0 && s.AchievedRate >= 0.95*s.TargetRate && s.TargetRate > best {
			best = s.TargetRate
		}
	}
	return best
}

// label is how targets and tables name a system.
func label(system string) string {
	switch system {
	case sysRunPG:
		return "hookmesh run (PostgreSQL)"
	case sysRunSQLite:
		return "hookmesh run (SQLite)"
	}
	return system
}

// Figure is a comparison reported without a target: the JSON's
// informational[] and the "info" lines under the targets.
type Figure struct {
	Name   string  `json:"name"`
	Value  float64 `json:"value"`
	Detail string  `json:"detail,omitempty"`
}

// analysis is what the steps add up to: the JSON's ratios, summary,
// targets and informational figures.
type analysis struct {
	// Ratios is hookmesh (the services) / baseline, the JSON's ratios[]
	// as before run-pg and run-sqlite existed; BySystem has every system
	// with a baseline to compare to, hookmesh included.
	Ratios        []Ratio
	BySystem      map[string][]Ratio
	Summary       map[string]any
	Targets       []Target
	Informational []Figure
}

// compare is s / the baseline on every step both ran.
func (r *run) compare(system string) []Ratio {
	var out []Ratio
	for _, h := range r.steps {
		if h.System != system {
			continue
		}
		b := r.find(sysBaseline, h.Name)
		if b == nil {
			continue
		}
		out = append(out, Ratio{System: system, Step: h.Name, Achieved: ratio(h.AchievedRate, b.AchievedRate), P50: ratio(h.Ack.P50, b.Ack.P50),
			P99: ratio(h.Ack.P99, b.Ack.P99), P999: ratio(h.Ack.P999, b.Ack.P999), CPUPerWebhk: ratio(h.CPU.PerThousand, b.CPU.PerThousand)})
	}
	return out
}

// saturationSummary is one system's saturation step in the summary.
func saturationSummary(s, b *Step) map[string]any {
	m := map[string]any{"ack_rate": s.AchievedRate, "ack_p99_ms": s.Ack.P99, "cpu_s_per_1000": s.CPU.PerThousand}
	if s.DeliveryKeptUp != nil {
		m["delivery_rate"], m["backlog_at_end"], m["drain_s"], m["drained"] = s.DeliveryRate, s.BacklogAtEnd, s.DrainS, s.Drained
	}
	if b != nil && s != b {
		m["ratio"], m["cpu_ratio"] = ratio(s.AchievedRate, b.AchievedRate), ratio(s.CPU.PerThousand, b.CPU.PerThousand)
	}
	return m
}

// runThroughputTarget is what `hookmesh run` on PostgreSQL must reach at
// saturation, as a share of the baseline's throughput (issue #14).
const runThroughputTarget = 0.9

// analyze derives the ratios, the summary and the targets from the steps;
// peak is the highest VmHWM of each process (by label). It changes
// nothing but r.growthInfo's comparison figures.
func (r *run) analyze(peak map[string]float64) analysis {
	a := analysis{BySystem: map[string][]Ratio{}, Summary: map[string]any{}}
	for _, sys := range r.cfg.Systems {
		if sys == sysBaseline {
			continue
		}
		if rs := r.compare(sys); len(rs) > 0 {
			a.BySystem[sys] = rs
		}
	}
	a.Ratios = a.BySystem[sysServices]

	sustained := map[string]float64{}
	for _, sys := range r.cfg.Systems {
		sustained[sys] = r.sustained(sys)
	}
	a.Summary["sustained_rate_p99_under_100ms"] = sustained
	bs := r.find(sysBaseline, "saturation")
	bySat := map[string]any{}
	for _, sys := range r.cfg.Systems {
		if s := r.find(sys, "saturation"); s != nil {
			bySat[sys] = saturationSummary(s, bs)
		}
	}
	if len(bySat) > 0 {
		a.Summary["saturation_by_system"] = bySat
	}
	hs := r.find(sysServices, "saturation")
	if hs != nil && bs != nil {
		a.Summary["saturation"] = map[string]any{
			"hookmesh_ack_rate": hs.AchievedRate, "baseline_ack_rate": bs.AchievedRate, "ratio": ratio(hs.AchievedRate, bs.AchievedRate),
			"hookmesh_ack_p99_ms": hs.Ack.P99, "baseline_ack_p99_ms": bs.Ack.P99,
			"hookmesh_delivery_rate": hs.DeliveryRate, "hookmesh_backlog_at_end": hs.BacklogAtEnd, "hookmesh_drain_s": hs.DrainS,
			"hookmesh_cpu_s_per_1000": hs.CPU.PerThousand, "baseline_cpu_s_per_1000": bs.CPU.PerThousand,
			"cpu_ratio": ratio(hs.CPU.PerThousand, bs.CPU.PerThousand),
		}
		rt := ratio(hs.AchievedRate, bs.AchievedRate)
		a.Targets = append(a.Targets, Target{Name: "saturated durable ack throughput, hookmesh / baseline", Value: rt, Limit: ">= 1.0", Pass: rt >= 1.0,
			Detail: fmt.Sprintf("%.0f/s vs %.0f/s", hs.AchievedRate, bs.AchievedRate)})
		dr := ratio(hs.DeliveryRate, hs.AchievedRate)
		a.Targets = append(a.Targets, Target{Name: "delivery keeps up at the saturated ingest rate (delivery rate / ack rate)", Value: dr, Limit: ">= 0.95 and drained",
			Pass: dr >= 0.95 && hs.Drained, Detail: fmt.Sprintf("delivered %.0f/s, backlog at end %d, drained in %.1f s", hs.DeliveryRate, hs.BacklogAtEnd, hs.DrainS)})
		cr := ratio(hs.CPU.PerThousand, bs.CPU.PerThousand)
		a.Targets = append(a.Targets, Target{Name: "CPU per webhook at saturation, hookmesh / baseline", Value: cr, Limit: "<= 2.0", Pass: cr > 0 && cr <= 2,
			Detail: fmt.Sprintf("%.3f vs %.3f CPU s per 1000", hs.CPU.PerThousand, bs.CPU.PerThousand)})
	}
	// hookmesh run: a target on PostgreSQL, where it would run in
	// production on one node; the embedded store is reported only. It is
	// for development and single-node trials (the ledger's README), with
	// one writer and one fsync per Record by design, so its ratio to a
	// PostgreSQL receiver measures that choice, not a regression.
	if ps, ok := r.find(sysRunPG, "saturation"), bs != nil; ps != nil && ok {
		rt := ratio(ps.AchievedRate, bs.AchievedRate)
		a.Targets = append(a.Targets, Target{Name: "saturated durable ack throughput, " + label(sysRunPG) + " / baseline", Value: rt,
			Limit: fmt.Sprintf(">= %g", runThroughputTarget), Pass: rt >= runThroughputTarget,
			Detail: fmt.Sprintf("%.0f/s vs %.0f/s", ps.AchievedRate, bs.AchievedRate)})
	}
	if ss, ok := r.find(sysRunSQLite, "saturation"), bs != nil; ss != nil && ok {
		a.Informational = append(a.Informational, Figure{Name: "saturated durable ack throughput, " + label(sysRunSQLite) + " / baseline",
			Value: ratio(ss.AchievedRate, bs.AchievedRate), Detail: fmt.Sprintf("%.0f/s vs %.0f/s; embedded store, one writer", ss.AchievedRate, bs.AchievedRate)})
	}
	ref := r.reference()
	if h, b := r.find(sysServices, ref), r.find(sysBaseline, ref); h != nil && b != nil {
		a.Targets = append(a.Targets,
			Target{Name: "ack p99 at " + ref + " (ms)", Value: h.Ack.P99, Limit: "<= 10", Pass: h.Ack.P99 <= 10},
			Target{Name: "ack p99 at " + ref + ", hookmesh / baseline", Value: ratio(h.Ack.P99, b.Ack.P99), Limit: "<= 1.0", Pass: h.Ack.P99 <= b.Ack.P99,
				Detail: fmt.Sprintf("%.2f vs %.2f ms", h.Ack.P99, b.Ack.P99)})
		if h.E2E != nil {
			a.Targets = append(a.Targets,
				Target{Name: "end-to-end p50 at " + ref + " (ms)", Value: h.E2E.P50, Limit: "<= 10", Pass: h.E2E.P50 <= 10},
				Target{Name: "end-to-end p99 at " + ref + " (ms)", Value: h.E2E.P99, Limit: "<= 50", Pass: h.E2E.P99 <= 50})
		}
		cr := ratio(h.CPU.PerThousand, b.CPU.PerThousand)
		a.Targets = append(a.Targets, Target{Name: "CPU per webhook at " + ref + ", hookmesh / baseline", Value: cr, Limit: "<= 2.0", Pass: cr > 0 && cr <= 2,
			Detail: fmt.Sprintf("%.3f vs %.3f CPU s per 1000", h.CPU.PerThousand, b.CPU.PerThousand)})
	}
	if g := r.find(sysServices, fmt.Sprintf("growth-%g", r.cfg.GrowthRate)); g != nil && r.growthInfo != nil {
		e := r.find(sysServices, fmt.Sprintf("rate-%g", r.cfg.GrowthRate))
		if e != nil {
			gr := ratio(g.Ack.P99, e.Ack.P99)
			r.growthInfo["p99_ms"], r.growthInfo["empty_p99_ms"], r.growthInfo["p99_ratio"] = g.Ack.P99, e.Ack.P99, gr
			r.growthInfo["p50_ratio"] = ratio(g.Ack.P50, e.Ack.P50)
			if g.E2E != nil && e.E2E != nil {
				r.growthInfo["e2e_p99_ratio"] = ratio(g.E2E.P99, e.E2E.P99)
			}
			a.Targets = append(a.Targets, Target{Name: fmt.Sprintf("ack p99 with %d events / empty ledger, at %g/s", r.cfg.GrowthEvents, r.cfg.GrowthRate), Value: gr, Limit: "<= 1.2", Pass: gr <= 1.2,
				Detail: fmt.Sprintf("%.2f vs %.2f ms", g.Ack.P99, e.Ack.P99)})
		}
	}
	if slices.Contains(r.cfg.Systems, sysServices) {
		for _, s := range []string{"ledger", "normalizer", "edge", "dispatcher"} {
			a.Targets = append(a.Targets, Target{Name: "peak resident memory of " + s + " (MiB)", Value: peak[s], Limit: "< 100", Pass: peak[s] > 0 && peak[s] < 100})
		}
	}
	// The 100 MiB bound is per service; one process holds all four and
	// the example consumer, so its peak is reported beside them.
	for _, sys := range []string{sysRunPG, sysRunSQLite} {
		if v, ok := peak[sys]; ok {
			a.Informational = append(a.Informational, Figure{Name: "peak resident memory of " + label(sys) + " (MiB)", Value: v,
				Detail: "one process: four services and the example consumer"})
		}
	}
	// The filter's cost per delivery, where it was measured.
	for _, sys := range r.cfg.Systems {
		if st := r.find(sys, "saturation"); st != nil && st.Filter != nil {
			f := st.Filter
			a.Informational = append(a.Informational, Figure{Name: "CEL filter cost per delivery at saturation, " + label(sys) + " (µs)",
				Value: f.USPerDelivery, Detail: strings.TrimPrefix(f.line(), "CEL filter: ")})
		}
	}
	maxShare, maxOther := 0.0, 0.0
	for _, s := range r.steps {
		maxShare = max(maxShare, s.CPU.LoadgenShare)
		if s.CPU.WallS > 0 {
			maxOther = max(maxOther, s.CPU.Other/s.CPU.WallS)
		}
	}
	a.Summary["loadgen_max_cpu_share"] = maxShare
	a.Summary["max_other_cpu_cores"] = round3(maxOther)
	a.Summary["reference_step"] = ref
	return a
}

// peakRSS is the highest VmHWM of each process over the run, by label.
func (r *run) peakRSS() map[string]float64 {
	peak := map[string]float64{}
	for _, s := range r.systems {
		for _, p := range s.procs {
			for _, st := range r.steps {
				if st.System != s.name {
					continue
				}
				if m, ok := st.RSS[p.name]; ok && m.PeakMiB > peak[p.label] {
					peak[p.label] = round3(m.PeakMiB)
				}
			}
		}
	}
	return peak
}

func (r *run) finish(took time.Duration) {
	peak := r.peakRSS()
	a := r.analyze(peak)
	if other := a.Summary["max_other_cpu_cores"].(float64); other > 0.2 {
		r.note("other processes used up to %.2f cores during a step: figures are noisy", other)
	}
	for _, s := range r.steps {
		if s.Late > 0 {
			r.note("%s %s: %d requests sent more than %v late (all connections busy, or the generator fell behind); their latency counts from the intended time", s.System, s.Name, s.Late, load.LateThreshold)
		}
		if s.DeliveryKeptUp != nil && !s.Drained {
			r.note("%s %s: deliveries did not drain", s.System, s.Name)
		}
	}

	out := map[string]any{
		"generated_at":     time.Now().UTC().Format(time.RFC3339),
		"duration_s":       round3(took.Seconds()),
		"config":           r.cfg,
		"machine":          map[string]any{"cores": runtime.NumCPU(), "go": runtime.Version()},
		"mix":              load.DefaultMix,
		"steps":            r.steps,
		"ratios":           a.Ratios,
		"ratios_by_system": a.BySystem,
		"summary":          a.Summary,
		"targets":          a.Targets,
		"informational":    a.Informational,
		"peak_rss_mib":     peak,
		"growth":           r.growthInfo,
		"profiles":         r.profiles,
		"notes":            r.notes,
	}
	b, _ := json.MarshalIndent(out, "", "  ")
	jsonPath := filepath.Join(r.results, "latest.json")
	if err := os.WriteFile(jsonPath, append(b, '\n'), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
	}
	pngPath := filepath.Join(r.results, "latency.png")
	if err := r.chart(pngPath); err != nil {
		fmt.Fprintln(os.Stderr, "bench: chart:", err)
	}
	r.table(os.Stdout, a, peak)
	fmt.Printf("\nwrote %s and %s (%v in all)\n", jsonPath, pngPath, took.Round(time.Second))
}

// reference is the step the single-rate targets are judged at: 500/s, or
// the nearest rate run.
func (r *run) reference() string {
	best, bd := 0.0, -1.0
	for _, x := range r.cfg.Rates {
		d := x - 500
		if d < 0 {
			d = -d
		}
		if bd < 0 || d < bd {
			best, bd = x, d
		}
	}
	return fmt.Sprintf("rate-%g", best)
}
