package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
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

// Ratio compares hookmesh with the baseline on one step.
type Ratio struct {
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

func (r *run) finish(took time.Duration) {
	peak := map[string]float64{}
	for _, s := range []*system{r.hm, r.bl} {
		for _, p := range s.procs {
			for _, st := range r.steps {
				if m, ok := st.RSS[p.name]; ok && m.PeakMiB > peak[p.name] {
					peak[p.name] = round3(m.PeakMiB)
				}
			}
		}
	}
	var ratios []Ratio
	var names []string
	for _, s := range r.steps {
		if s.System == "hookmesh" {
			names = append(names, s.Name)
		}
	}
	for _, n := range names {
		h, b := r.find("hookmesh", n), r.find("baseline", n)
		if h == nil || b == nil {
			continue
		}
		ratios = append(ratios, Ratio{Step: n, Achieved: ratio(h.AchievedRate, b.AchievedRate), P50: ratio(h.Ack.P50, b.Ack.P50),
			P99: ratio(h.Ack.P99, b.Ack.P99), P999: ratio(h.Ack.P999, b.Ack.P999), CPUPerWebhk: ratio(h.CPU.PerThousand, b.CPU.PerThousand)})
	}

	summary := map[string]any{
		"sustained_rate_p99_under_100ms": map[string]float64{"hookmesh": r.sustained("hookmesh"), "baseline": r.sustained("baseline")},
	}
	var targets []Target
	hs, bs := r.find("hookmesh", "saturation"), r.find("baseline", "saturation")
	if hs != nil && bs != nil {
		summary["saturation"] = map[string]any{
			"hookmesh_ack_rate": hs.AchievedRate, "baseline_ack_rate": bs.AchievedRate, "ratio": ratio(hs.AchievedRate, bs.AchievedRate),
			"hookmesh_ack_p99_ms": hs.Ack.P99, "baseline_ack_p99_ms": bs.Ack.P99,
			"hookmesh_delivery_rate": hs.DeliveryRate, "hookmesh_backlog_at_end": hs.BacklogAtEnd, "hookmesh_drain_s": hs.DrainS,
			"hookmesh_cpu_s_per_1000": hs.CPU.PerThousand, "baseline_cpu_s_per_1000": bs.CPU.PerThousand,
			"cpu_ratio": ratio(hs.CPU.PerThousand, bs.CPU.PerThousand),
		}
		rt := ratio(hs.AchievedRate, bs.AchievedRate)
		targets = append(targets, Target{Name: "saturated durable ack throughput, hookmesh / baseline", Value: rt, Limit: ">= 1.0", Pass: rt >= 1.0,
			Detail: fmt.Sprintf("%.0f/s vs %.0f/s", hs.AchievedRate, bs.AchievedRate)})
		dr := ratio(hs.DeliveryRate, hs.AchievedRate)
		targets = append(targets, Target{Name: "delivery keeps up at the saturated ingest rate (delivery rate / ack rate)", Value: dr, Limit: ">= 0.95 and drained",
			Pass: dr >= 0.95 && hs.Drained, Detail: fmt.Sprintf("delivered %.0f/s, backlog at end %d, drained in %.1f s", hs.DeliveryRate, hs.BacklogAtEnd, hs.DrainS)})
		cr := ratio(hs.CPU.PerThousand, bs.CPU.PerThousand)
		targets = append(targets, Target{Name: "CPU per webhook at saturation, hookmesh / baseline", Value: cr, Limit: "<= 2.0", Pass: cr > 0 && cr <= 2,
			Detail: fmt.Sprintf("%.3f vs %.3f CPU s per 1000", hs.CPU.PerThousand, bs.CPU.PerThousand)})
	}
	ref := r.reference()
	if h, b := r.find("hookmesh", ref), r.find("baseline", ref); h != nil && b != nil {
		targets = append(targets,
			Target{Name: "ack p99 at " + ref + " (ms)", Value: h.Ack.P99, Limit: "<= 10", Pass: h.Ack.P99 <= 10},
			Target{Name: "ack p99 at " + ref + ", hookmesh / baseline", Value: ratio(h.Ack.P99, b.Ack.P99), Limit: "<= 1.0", Pass: h.Ack.P99 <= b.Ack.P99,
				Detail: fmt.Sprintf("%.2f vs %.2f ms", h.Ack.P99, b.Ack.P99)})
		if h.E2E != nil {
			targets = append(targets,
				Target{Name: "end-to-end p50 at " + ref + " (ms)", Value: h.E2E.P50, Limit: "<= 10", Pass: h.E2E.P50 <= 10},
				Target{Name: "end-to-end p99 at " + ref + " (ms)", Value: h.E2E.P99, Limit: "<= 50", Pass: h.E2E.P99 <= 50})
		}
		cr := ratio(h.CPU.PerThousand, b.CPU.PerThousand)
		targets = append(targets, Target{Name: "CPU per webhook at " + ref + ", hookmesh / baseline", Value: cr, Limit: "<= 2.0", Pass: cr > 0 && cr <= 2,
			Detail: fmt.Sprintf("%.3f vs %.3f CPU s per 1000", h.CPU.PerThousand, b.CPU.PerThousand)})
	}
	if g := r.find("hookmesh", fmt.Sprintf("growth-%g", r.cfg.GrowthRate)); g != nil {
		e := r.find("hookmesh", fmt.Sprintf("rate-%g", r.cfg.GrowthRate))
		if e != nil {
			gr := ratio(g.Ack.P99, e.Ack.P99)
			r.growthInfo["p99_ms"], r.growthInfo["empty_p99_ms"], r.growthInfo["p99_ratio"] = g.Ack.P99, e.Ack.P99, gr
			r.growthInfo["p50_ratio"] = ratio(g.Ack.P50, e.Ack.P50)
			if g.E2E != nil && e.E2E != nil {
				r.growthInfo["e2e_p99_ratio"] = ratio(g.E2E.P99, e.E2E.P99)
			}
			targets = append(targets, Target{Name: fmt.Sprintf("ack p99 with %d events / empty ledger, at %g/s", r.cfg.GrowthEvents, r.cfg.GrowthRate), Value: gr, Limit: "<= 1.2", Pass: gr <= 1.2,
				Detail: fmt.Sprintf("%.2f vs %.2f ms", g.Ack.P99, e.Ack.P99)})
		}
	}
	var svcs []string
	for _, p := range r.hm.procs {
		svcs = append(svcs, p.name)
	}
	for _, s := range svcs {
		targets = append(targets, Target{Name: "peak resident memory of " + s + " (MiB)", Value: peak[s], Limit: "< 100", Pass: peak[s] > 0 && peak[s] < 100})
	}
	maxShare, maxOther := 0.0, 0.0
	for _, s := range r.steps {
		maxShare = max(maxShare, s.CPU.LoadgenShare)
		if s.CPU.WallS > 0 {
			maxOther = max(maxOther, s.CPU.Other/s.CPU.WallS)
		}
	}
	summary["loadgen_max_cpu_share"] = maxShare
	summary["max_other_cpu_cores"] = round3(maxOther)
	summary["reference_step"] = ref
	if maxOther > 0.2 {
		r.note("other processes used up to %.2f cores during a step: figures are noisy", maxOther)
	}
	for _, s := range r.steps {
		if s.Late > 0 {
			r.note("%s %s: %d requests sent more than %v late (all connections busy, or the generator fell behind); their latency counts from the intended time", s.System, s.Name, s.Late, load.LateThreshold)
		}
		if s.Drained == false && s.System == "hookmesh" {
			r.note("%s %s: deliveries did not drain", s.System, s.Name)
		}
	}

	out := map[string]any{
		"generated_at": time.Now().UTC().Format(time.RFC3339),
		"duration_s":   round3(took.Seconds()),
		"config":       r.cfg,
		"machine":      map[string]any{"cores": runtime.NumCPU(), "go": runtime.Version()},
		"mix":          load.DefaultMix,
		"steps":        r.steps,
		"ratios":       ratios,
		"summary":      summary,
		"targets":      targets,
		"peak_rss_mib": peak,
		"growth":       r.growthInfo,
		"profiles":     r.profiles,
		"notes":        r.notes,
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
	r.table(ratios, summary, targets, peak)
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

func (r *run) table(ratios []Ratio, summary map[string]any, targets []Target, peak map[string]float64) {
	fmt.Println()
	fmt.Println("ack latency (ms, 2xx only; open loop from the intended send time) and CPU (system s per 1000 webhooks, services + PostgreSQL)")
	fmt.Printf("%-12s | %-49s | %-49s | %-17s | %s\n", "", "hookmesh", "baseline", "hookmesh/baseline", "hookmesh delivery")
	fmt.Printf("%-12s | %7s %7s %7s %8s %5s %5s %5s | %7s %7s %7s %8s %5s %5s %5s | %5s %5s %5s | %7s %7s %7s %6s\n",
		"step", "acked/s", "p50", "p99", "p99.9", "err%", "cpu", "lg%", "acked/s", "p50", "p99", "p99.9", "err%", "cpu", "lg%",
		"rate", "p99", "cpu", "e2e p50", "e2e p99", "deliv/s", "drain")
	for _, s := range r.steps {
		if s.System != "hookmesh" {
			continue
		}
		b := r.find("baseline", s.Name)
		line := fmt.Sprintf("%-12s | %7.0f %7.2f %7.2f %8.2f %5.1f %5.2f %5.0f | ", s.Name, s.AchievedRate, s.Ack.P50, s.Ack.P99, s.Ack.P999, s.ErrorRate*100, s.CPU.PerThousand, s.CPU.LoadgenShare*100)
		if b != nil {
			line += fmt.Sprintf("%7.0f %7.2f %7.2f %8.2f %5.1f %5.2f %5.0f | %5.2f %5.2f %5.2f | ", b.AchievedRate, b.Ack.P50, b.Ack.P99, b.Ack.P999, b.ErrorRate*100, b.CPU.PerThousand, b.CPU.LoadgenShare*100,
				ratio(s.AchievedRate, b.AchievedRate), ratio(s.Ack.P99, b.Ack.P99), ratio(s.CPU.PerThousand, b.CPU.PerThousand))
		} else {
			line += fmt.Sprintf("%49s | %17s | ", "-", "-")
		}
		if s.E2E != nil {
			line += fmt.Sprintf("%7.2f %7.2f %7.0f %5.1fs", s.E2E.P50, s.E2E.P99, s.DeliveryRate, s.DrainS)
		}
		fmt.Println(line)
	}
	fmt.Println("(err% = answers other than 2xx and transport errors; cpu = CPU s per 1000 acked; lg% = load generator's share of system+generator CPU)")
	r.cpuTable()
	sr := summary["sustained_rate_p99_under_100ms"].(map[string]float64)
	fmt.Printf("\nsustained rate with ack p99 < 100 ms: hookmesh %g/s, baseline %g/s\n", sr["hookmesh"], sr["baseline"])
	var svcs []string
	for k := range peak {
		svcs = append(svcs, k)
	}
	sort.Strings(svcs)
	fmt.Print("peak resident memory (MiB):")
	for _, k := range svcs {
		fmt.Printf(" %s %.1f", k, peak[k])
	}
	fmt.Println()
	if r.growthInfo != nil {
		fmt.Printf("growth: %v\n", r.growthInfo)
	}
	for _, sys := range []string{"hookmesh", "baseline"} {
		if st := r.find(sys, "saturation"); st != nil && len(st.PgWaits) > 0 {
			fmt.Printf("PostgreSQL sessions of %s at saturation (samples every 100 ms): %s\n", sys, topWaits(st.PgWaits, 5))
		}
	}
	fmt.Println("\ntargets:")
	for _, t := range targets {
		mark := "FAIL"
		if t.Pass {
			mark = "ok  "
		}
		d := ""
		if t.Detail != "" {
			d = " (" + t.Detail + ")"
		}
		fmt.Printf("  %s %-66s %8.3f  target %s%s\n", mark, t.Name, t.Value, t.Limit, d)
	}
	if len(r.profiles) > 0 {
		fmt.Println("\nprofiles:")
		for k, v := range r.profiles {
			fmt.Printf("  %-10s %s\n", k, v)
		}
	}
	if len(r.notes) > 0 {
		fmt.Println("\nnotes:")
		for _, n := range r.notes {
			fmt.Println("  - " + n)
		}
	}
}

// cpuTable prints where each system's CPU goes: microseconds per acked
// webhook of each process (hookmesh's after the drain, so delivery is in
// it), PostgreSQL's backends of the system's database and its server-wide
// processes. It is what tells an optimisation's effect on one process
// from noise in another.
func (r *run) cpuTable() {
	services := []string{"edge", "normalizer", "ledger", "dispatcher"}
	fmt.Println("\nCPU per webhook by process (µs per acked webhook; hookmesh: ingest + delivery)")
	fmt.Printf("%-12s | %6s %6s %6s %6s %6s %6s %6s | %6s %6s %6s %6s\n", "step",
		"edge", "norm", "ledger", "disp", "pg-db", "pg-sh", "total", "base", "pg-db", "pg-sh", "total")
	us := func(sec float64, n int) float64 {
		if n == 0 {
			return 0
		}
		return sec / float64(n) * 1e6
	}
	for _, h := range r.steps {
		if h.System != "hookmesh" {
			continue
		}
		line := fmt.Sprintf("%-12s |", h.Name)
		for _, svc := range services {
			line += fmt.Sprintf(" %6.0f", us(h.CPU.Services[svc], h.OK))
		}
		line += fmt.Sprintf(" %6.0f %6.0f %6.0f |", us(h.CPU.PostgresDB, h.OK), us(h.CPU.PostgresShared, h.OK), us(h.CPU.System, h.OK))
		if b := r.find("baseline", h.Name); b != nil {
			line += fmt.Sprintf(" %6.0f %6.0f %6.0f %6.0f", us(b.CPU.Services["baseline"], b.OK),
				us(b.CPU.PostgresDB, b.OK), us(b.CPU.PostgresShared, b.OK), us(b.CPU.System, b.OK))
		}
		fmt.Println(line)
	}
}

// topWaits formats the n most frequent wait events with their shares.
func topWaits(m map[string]int, n int) string {
	type kv struct {
		k string
		v int
	}
	var all []kv
	total := 0
	for k, v := range m {
		all = append(all, kv{k, v})
		total += v
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v > all[j].v || all[i].v == all[j].v && all[i].k < all[j].k })
	var parts []string
	for i, e := range all {
		if i == n {
			break
		}
		parts = append(parts, fmt.Sprintf("%s %.0f%%", e.k, 100*float64(e.v)/float64(total)))
	}
	return strings.Join(parts, ", ")
}
