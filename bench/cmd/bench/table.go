package main

import (
	"fmt"
	"io"
	"maps"
	"sort"
	"strings"
)

// stepNames are the steps in the order they first ran.
func (r *run) stepNames() []string {
	var names []string
	seen := map[string]bool{}
	for _, s := range r.steps {
		if !seen[s.Name] {
			seen[s.Name] = true
			names = append(names, s.Name)
		}
	}
	return names
}

// rows calls f with every step of every system, grouped by step in the
// order they ran, systems in the configured order.
func (r *run) rows(f func(*Step)) {
	for _, name := range r.stepNames() {
		for _, sys := range r.cfg.Systems {
			if s := r.find(sys, name); s != nil {
				f(s)
			}
		}
	}
}

func (r *run) table(w io.Writer, a analysis, peak map[string]float64) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, "ack latency (ms, 2xx only; open loop from the intended send time) and CPU (system s per 1000 webhooks, processes + PostgreSQL)")
	fmt.Fprintf(w, "%-12s %-10s | %-51s | %-17s | %s\n", "", "", "", "system / baseline", "delivery to the sink")
	fmt.Fprintf(w, "%-12s %-10s | %7s %7s %7s %8s %5s %5s %5s | %5s %5s %5s | %7s %7s %7s %6s\n",
		"step", "system", "acked/s", "p50", "p99", "p99.9", "err%", "cpu", "lg%", "rate", "p99", "cpu", "e2e p50", "e2e p99", "deliv/s", "drain")
	r.rows(func(s *Step) {
		line := fmt.Sprintf("%-12s %-10s | %7.0f %7.2f %7.2f %8.2f %5.1f %5.2f %5.0f | ", s.Name, s.System,
			s.AchievedRate, s.Ack.P50, s.Ack.P99, s.Ack.P999, s.ErrorRate*100, s.CPU.PerThousand, s.CPU.LoadgenShare*100)
		if b := r.find(sysBaseline, s.Name); b != nil && s.System != sysBaseline {
			line += fmt.Sprintf("%5.2f %5.2f %5.2f | ", ratio(s.AchievedRate, b.AchievedRate), ratio(s.Ack.P99, b.Ack.P99), ratio(s.CPU.PerThousand, b.CPU.PerThousand))
		} else {
			line += fmt.Sprintf("%17s | ", "-")
		}
		if s.E2E != nil {
			line += fmt.Sprintf("%7.2f %7.2f %7.0f %5.1fs", s.E2E.P50, s.E2E.P99, s.DeliveryRate, s.DrainS)
		}
		fmt.Fprintln(w, strings.TrimRight(line, " |"))
	})
	fmt.Fprintln(w, "(err% = answers other than 2xx and transport errors; cpu = CPU s per 1000 acked; lg% = load generator's share of system+generator CPU)")
	fmt.Fprintln(w, "(hookmesh = four processes; run-pg, run-sqlite = `hookmesh run`, one process, on PostgreSQL and on its embedded SQLite store)")
	r.cpuTable(w)
	sr := a.Summary["sustained_rate_p99_under_100ms"].(map[string]float64)
	var parts []string
	for _, sys := range r.cfg.Systems {
		parts = append(parts, fmt.Sprintf("%s %g/s", sys, sr[sys]))
	}
	fmt.Fprintf(w, "\nsustained rate with ack p99 < 100 ms: %s\n", strings.Join(parts, ", "))
	var procs []string
	for k := range peak {
		procs = append(procs, k)
	}
	sort.Strings(procs)
	fmt.Fprint(w, "peak resident memory (MiB):")
	for _, k := range procs {
		fmt.Fprintf(w, " %s %.1f", k, peak[k])
	}
	fmt.Fprintln(w)
	if r.growthInfo != nil {
		g := maps.Clone(r.growthInfo)
		rr, _ := g["retention"].(*retentionResult)
		delete(g, "retention")
		fmt.Fprintf(w, "growth: %v\n", g)
		if rr != nil {
			fmt.Fprintf(w, "growth: %s\n", rr.summary())
		}
	}
	for _, sys := range r.cfg.Systems {
		if st := r.find(sys, "saturation"); st != nil && len(st.PgWaits) > 0 {
			fmt.Fprintf(w, "PostgreSQL sessions of %s at saturation (samples every 100 ms): %s\n", sys, topWaits(st.PgWaits, 5))
		}
	}
	fmt.Fprintln(w, "\ntargets:")
	for _, t := range a.Targets {
		mark := "FAIL"
		if t.Pass {
			mark = "ok  "
		}
		d := ""
		if t.Detail != "" {
			d = " (" + t.Detail + ")"
		}
		fmt.Fprintf(w, "  %s %-72s %8.3f  target %s%s\n", mark, t.Name, t.Value, t.Limit, d)
	}
	for _, f := range a.Informational {
		d := ""
		if f.Detail != "" {
			d = " (" + f.Detail + ")"
		}
		fmt.Fprintf(w, "  info %-72s %8.3f  no target%s\n", f.Name, f.Value, d)
	}
	if len(r.profiles) > 0 {
		fmt.Fprintln(w, "\nprofiles:")
		var names []string
		for k := range r.profiles {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			fmt.Fprintf(w, "  %-10s %s\n", k, r.profiles[k])
		}
	}
	if len(r.notes) > 0 {
		fmt.Fprintln(w, "\nnotes:")
		for _, n := range r.notes {
			fmt.Fprintln(w, "  - "+n)
		}
	}
}

// cpuTable prints where each system's CPU goes: microseconds per acked
// webhook of each process (after the drain for the systems that deliver,
// so delivery is in it), PostgreSQL's backends of the system's database
// and its server-wide processes. It is what tells an optimisation's
// effect on one process from noise in another. A one-process system
// (hookmesh run, baseline) has its figure under "1 proc".
func (r *run) cpuTable(w io.Writer) {
	services := []string{"edge", "normalizer", "ledger", "dispatcher"}
	fmt.Fprintln(w, "\nCPU per webhook by process (µs per acked webhook; hookmesh and run-*: ingest + delivery; run-sqlite has no PostgreSQL)")
	fmt.Fprintf(w, "%-12s %-10s | %6s %6s %6s %6s | %6s | %6s %6s | %6s\n", "step", "system",
		"edge", "norm", "ledger", "disp", "1 proc", "pg-db", "pg-sh", "total")
	us := func(sec float64, n int) string {
		if n == 0 {
			return fmt.Sprintf("%6s", "-")
		}
		return fmt.Sprintf("%6.0f", sec/float64(n)*1e6)
	}
	dash := fmt.Sprintf("%6s", "-")
	r.rows(func(s *Step) {
		line := fmt.Sprintf("%-12s %-10s |", s.Name, s.System)
		single := dash
		for _, svc := range services {
			if s.System == sysServices {
				line += " " + us(s.CPU.Services[svc], s.OK)
			} else {
				line += " " + dash
			}
		}
		switch s.System {
		case sysRunPG, sysRunSQLite:
			single = us(s.CPU.Services["hookmesh"], s.OK)
		case sysBaseline:
			single = us(s.CPU.Services["baseline"], s.OK)
		}
		pgDB, pgSh := us(s.CPU.PostgresDB, s.OK), us(s.CPU.PostgresShared, s.OK)
		if s.System == sysRunSQLite {
			pgDB, pgSh = dash, dash
		}
		line += fmt.Sprintf(" | %s | %s %s | %s", single, pgDB, pgSh, us(s.CPU.System, s.OK))
		fmt.Fprintln(w, line)
	})
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
