package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/bench/internal/procstat"
	"github.com/hookmesh/hookmesh/bench/internal/stats"
)

func TestSustained(t *testing.T) {
	r := &run{steps: []*Step{
		{System: "hookmesh", Name: "rate-100", Mode: "open", TargetRate: 100, AchievedRate: 100, Ack: stats.Summary{P99: 5}},
		{System: "hookmesh", Name: "rate-500", Mode: "open", TargetRate: 500, AchievedRate: 499, Ack: stats.Summary{P99: 99}},
		{System: "hookmesh", Name: "rate-1000", Mode: "open", TargetRate: 1000, AchievedRate: 990, Ack: stats.Summary{P99: 150}},
		{System: "hookmesh", Name: "rate-750", Mode: "open", TargetRate: 750, AchievedRate: 750, ErrorRate: 0.02, Ack: stats.Summary{P99: 20}},
		{System: "baseline", Name: "rate-1000", Mode: "open", TargetRate: 1000, AchievedRate: 900, Ack: stats.Summary{P99: 5}},
		{System: "baseline", Name: "rate-500", Mode: "open", TargetRate: 500, AchievedRate: 500, Ack: stats.Summary{P99: 5}},
		{System: "hookmesh", Name: "saturation", Mode: "closed", AchievedRate: 3000, Ack: stats.Summary{P99: 1}},
	}}
	// 1000 has p99 >= 100, 750 has 2 % errors: 500 is the highest sustained.
	if got := r.sustained("hookmesh"); got != 500 {
		t.Errorf("hookmesh: %v", got)
	}
	// 1000 acked only 90 % of its target.
	if got := r.sustained("baseline"); got != 500 {
		t.Errorf("baseline: %v", got)
	}
}

func TestCPUBetween(t *testing.T) {
	a := snapshot{procs: map[string]float64{"edge": 1, "ledger": 2}, pg: map[int]procstat.ClassCPU{10: {Class: "db", CPU: 1}, 11: {Class: "shared", CPU: 1}, 12: {Class: "", CPU: 1}}, self: 1, machine: 10}
	b := snapshot{procs: map[string]float64{"edge": 1.5, "ledger": 3}, pg: map[int]procstat.ClassCPU{10: {Class: "db", CPU: 2}, 11: {Class: "shared", CPU: 1.5}, 12: {Class: "", CPU: 2}}, self: 1.5, machine: 16}
	b.t = a.t.Add(2e9)
	c := cpuBetween(a, b, 1000)
	// services 1.5 + pg db 1 + shared 0.5 = 3 s for 1000 webhooks.
	if c.System != 3 || c.PerThousand != 3 || c.Loadgen != 0.5 || c.PostgresOtherDBs != 1 || c.Other != 2.5 || c.MachineBusyCores != 3 {
		t.Errorf("%+v", c)
	}
}

func TestTopWaits(t *testing.T) {
	got := topWaits(map[string]int{"CPU": 2, "Lock:object": 6, "IO:WALSync": 2}, 2)
	if got != "Lock:object 60%, CPU 20%" {
		t.Errorf("got %q", got)
	}
}

func TestCPUBetweenNoPostgres(t *testing.T) {
	// run-sqlite: the server's CPU is someone else's, none of the system's.
	a := snapshot{procs: map[string]float64{"hookmesh": 1}, pg: map[int]procstat.ClassCPU{10: {Class: "shared", CPU: 1}, 11: {Class: "", CPU: 1}}, noPG: true, self: 1, machine: 10}
	b := snapshot{procs: map[string]float64{"hookmesh": 3}, pg: map[int]procstat.ClassCPU{10: {Class: "shared", CPU: 1.5}, 11: {Class: "", CPU: 2}}, noPG: true, self: 1.5, machine: 16}
	b.t = a.t.Add(2e9)
	c := cpuBetween(a, b, 1000)
	if c.System != 2 || c.PerThousand != 2 || c.PostgresDB != 0 || c.PostgresShared != 0 || c.PostgresOtherDBs != 1.5 || c.Other != 3.5 {
		t.Errorf("%+v", c)
	}
}

func TestParseSystems(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		err  bool
	}{
		{"", []string{"hookmesh", "run-pg", "run-sqlite", "baseline"}, false},
		{"  ", []string{"hookmesh", "run-pg", "run-sqlite", "baseline"}, false},
		// Any order given, the configured order run; duplicates once.
		{"baseline, run-sqlite,run-sqlite", []string{"run-sqlite", "baseline"}, false},
		{"run-pg", []string{"run-pg"}, false},
		{"run-pg,mysql", nil, true},
		{",", nil, true},
	} {
		got, err := parseSystems(tc.in)
		if (err != nil) != tc.err || !slices.Equal(got, tc.want) {
			t.Errorf("parseSystems(%q) = %v, %v; want %v (error %v)", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestProcEnv(t *testing.T) {
	got := procEnv([]string{"PATH=/bin", "DATABASE_URL=postgres://x", "HOOKMESH_LOG_LEVEL=debug"},
		map[string]string{"DATABASE_URL": "", "HOOKMESH_LOG_LEVEL": "info", "HOOKMESH_DATA_DIR": "/tmp/d"})
	want := []string{"PATH=/bin", "HOOKMESH_DATA_DIR=/tmp/d", "HOOKMESH_LOG_LEVEL=info"}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// fourSystems is a run of every system at one rate and at saturation.
// run-pg reaches 0.85 of the baseline's saturated throughput, run-sqlite
// 0.5.
func fourSystems() *run {
	kept := true
	sink := func(s *Step) *Step {
		s.E2E, s.DeliveryKeptUp, s.Drained, s.DeliveryRate = &stats.Summary{P50: 3, P99: 9}, &kept, true, s.AchievedRate
		return s
	}
	open := func(sys string, p99, cpu float64) *Step {
		return &Step{System: sys, Name: "rate-500", Mode: "open", TargetRate: 500, AchievedRate: 500, OK: 2500,
			Ack: stats.Summary{P50: p99 / 4, P99: p99}, CPU: CPU{PerThousand: cpu, System: cpu * 2.5, Services: map[string]float64{}}}
	}
	sat := func(sys string, rate float64) *Step {
		return &Step{System: sys, Name: "saturation", Mode: "closed", AchievedRate: rate, OK: int(rate * 8),
			Ack: stats.Summary{P99: 40}, CPU: CPU{PerThousand: 1, Services: map[string]float64{}}}
	}
	steps := []*Step{
		sink(open(sysServices, 8, 2)), sink(open(sysRunPG, 6, 1.5)), sink(open(sysRunSQLite, 12, 1)), open(sysBaseline, 4, 1),
		sink(sat(sysServices, 2200)), sink(sat(sysRunPG, 1700)), sink(sat(sysRunSQLite, 1000)), sat(sysBaseline, 2000),
	}
	// CPU.System (per 1000 x 2.5) is the sum of its parts.
	steps[0].CPU.PostgresDB = 1
	for _, s := range []string{"edge", "normalizer", "ledger", "dispatcher"} {
		steps[0].CPU.Services[s] = 1
	}
	steps[1].CPU.Services["hookmesh"], steps[1].CPU.PostgresDB = 2.25, 1.5
	steps[2].CPU.Services["hookmesh"] = 2.5
	steps[3].CPU.Services["baseline"], steps[3].CPU.PostgresDB = 0.5, 2
	return &run{cfg: config{Rates: []float64{500}, Systems: allSystems, GrowthRate: 500}, steps: steps, profiles: map[string]string{}}
}

func TestAnalyzeSeveralSystems(t *testing.T) {
	r := fourSystems()
	peak := map[string]float64{"ledger": 40, "normalizer": 30, "edge": 35, "dispatcher": 30, "baseline": 20, "run-pg": 120, "run-sqlite": 90}
	a := r.analyze(peak)

	targets := map[string]Target{}
	for _, tg := range a.Targets {
		targets[tg.Name] = tg
	}
	if tg, ok := targets["saturated durable ack throughput, hookmesh / baseline"]; !ok || tg.Value != 1.1 || !tg.Pass {
		t.Errorf("services' throughput target: %+v (present %v)", tg, ok)
	}
	if tg, ok := targets["saturated durable ack throughput, hookmesh run (PostgreSQL) / baseline"]; !ok || tg.Value != 0.85 || tg.Pass || tg.Limit != ">= 0.9" {
		t.Errorf("run-pg throughput target: %+v (present %v); want 0.85, failing >= 0.9", tg, ok)
	}
	for name := range targets {
		if strings.Contains(name, "SQLite") {
			t.Errorf("SQLite has a target: %q", name)
		}
	}
	infos := map[string]Figure{}
	for _, f := range a.Informational {
		infos[f.Name] = f
	}
	if f, ok := infos["saturated durable ack throughput, hookmesh run (SQLite) / baseline"]; !ok || f.Value != 0.5 {
		t.Errorf("run-sqlite throughput figure: %+v (present %v)", f, ok)
	}
	if f := infos["peak resident memory of hookmesh run (PostgreSQL) (MiB)"]; f.Value != 120 {
		t.Errorf("run-pg peak memory figure: %+v", f)
	}

	// ratios[] stays hookmesh's; ratios_by_system has every system.
	if len(a.Ratios) != 2 || a.Ratios[0].System != sysServices || a.Ratios[0].P99 != 2 {
		t.Errorf("ratios: %+v", a.Ratios)
	}
	if _, ok := a.BySystem[sysBaseline]; ok || len(a.BySystem) != 3 {
		t.Errorf("ratios by system: %v", a.BySystem)
	}
	if rs := a.BySystem[sysRunSQLite]; len(rs) != 2 || rs[0].Step != "rate-500" || rs[0].P99 != 3 || rs[1].Achieved != 0.5 {
		t.Errorf("run-sqlite ratios: %+v", rs)
	}
	sr := a.Summary["sustained_rate_p99_under_100ms"].(map[string]float64)
	if len(sr) != 4 || sr[sysRunPG] != 500 || sr[sysRunSQLite] != 500 {
		t.Errorf("sustained: %v", sr)
	}
	bySat := a.Summary["saturation_by_system"].(map[string]any)
	if m := bySat[sysRunPG].(map[string]any); m["ratio"] != 0.85 || m["drained"] != true {
		t.Errorf("run-pg saturation summary: %v", m)
	}
	if m := bySat[sysBaseline].(map[string]any); m["ratio"] != nil || m["delivery_rate"] != nil {
		t.Errorf("baseline saturation summary compares itself or delivers: %v", m)
	}
}

func TestAnalyzeWithoutServicesOrBaseline(t *testing.T) {
	r := fourSystems()
	var steps []*Step
	for _, s := range r.steps {
		if s.System == sysRunPG || s.System == sysRunSQLite {
			steps = append(steps, s)
		}
	}
	r.steps, r.cfg.Systems = steps, []string{sysRunPG, sysRunSQLite}
	a := r.analyze(map[string]float64{"run-pg": 100})
	// Nothing to compare to: no target, no ratio; per-service memory
	// targets only when the services ran.
	if len(a.Targets) != 0 || len(a.Ratios) != 0 || len(a.BySystem) != 0 {
		t.Errorf("targets %+v, ratios %+v, by system %v", a.Targets, a.Ratios, a.BySystem)
	}
	if len(a.Informational) != 1 || !strings.Contains(a.Informational[0].Name, "memory") {
		t.Errorf("informational: %+v", a.Informational)
	}
	if _, ok := a.Summary["saturation"]; ok {
		t.Errorf("services' saturation summary without the services")
	}
}

func TestTables(t *testing.T) {
	r := fourSystems()
	a := r.analyze(map[string]float64{"run-pg": 100})
	var b strings.Builder
	r.table(&b, a, map[string]float64{"run-pg": 100})
	out := b.String()
	row := func(prefix string) string {
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(strings.Join(strings.Fields(l), " "), prefix) {
				return strings.Join(strings.Fields(l), " ")
			}
		}
		t.Errorf("no row %q in\n%s", prefix, out)
		return ""
	}
	// Main table: run-pg's figures and its ratios to the baseline (rate 1,
	// p99 6/4, cpu 1.5/1), then its delivery.
	if got := row("rate-500 run-pg |"); got != "rate-500 run-pg | 500 1.50 6.00 0.00 0.0 1.50 0 | 1.00 1.50 1.50 | 3.00 9.00 500 0.0s" {
		t.Errorf("main table row: %q", got)
	}
	if got := row("rate-500 baseline |"); !strings.Contains(got, "| - |") && !strings.HasSuffix(got, "| -") {
		t.Errorf("baseline compares itself: %q", got)
	}
	// CPU table: one process under "1 proc", PostgreSQL only for run-pg.
	if got := row("rate-500 run-pg | - - - - |"); got != "rate-500 run-pg | - - - - | 900 | 600 0 | 1500" {
		t.Errorf("CPU row of run-pg: %q", got)
	}
	if got := row("rate-500 run-sqlite | - - - - |"); got != "rate-500 run-sqlite | - - - - | 1000 | - - | 1000" {
		t.Errorf("CPU row of run-sqlite: %q", got)
	}
	if got := row("rate-500 hookmesh | 400"); got != "rate-500 hookmesh | 400 400 400 400 | - | 400 0 | 2000" {
		t.Errorf("CPU row of hookmesh: %q", got)
	}
	row("FAIL saturated durable ack throughput, hookmesh run (PostgreSQL) / baseline 0.850 target >= 0.9")
	row("info saturated durable ack throughput, hookmesh run (SQLite) / baseline 0.500 no target")
	row("sustained rate with ack p99 < 100 ms: hookmesh 500/s, run-pg 500/s, run-sqlite 500/s, baseline 500/s")
}

func TestChartSeveralSystems(t *testing.T) {
	path := filepath.Join(t.TempDir(), "latency.png")
	if err := fourSystems().chart(path); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		t.Errorf("chart: %v, %v", fi, err)
	}
}
