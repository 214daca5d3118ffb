package main

import (
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
