package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestFilterFromEnv(t *testing.T) {
	t.Setenv("BENCH_FILTER", ` platform == "stripe" `)
	if got := filterFromEnv(); got != `platform == "stripe"` {
		t.Errorf("BENCH_FILTER set: %q", got)
	}
	t.Setenv("BENCH_FILTER", "")
	if got := filterFromEnv(); got != "" {
		t.Errorf("BENCH_FILTER empty: %q, want no filter", got)
	}
}

// TestSeedYAML: the filter is written as one quoted scalar that reads back
// as the expression, quotes and all; no filter, no filter line.
func TestSeedYAML(t *testing.T) {
	y := seedYAML("127.0.0.1:1", defaultFilter)
	_, line, ok := strings.Cut(y, "\n    filter: ")
	if !ok || strings.Count(y, "\n") != 5 {
		t.Fatalf("no single filter line in\n%s", y)
	}
	var got string
	if err := json.Unmarshal([]byte(strings.TrimSuffix(line, "\n")), &got); err != nil || got != defaultFilter {
		t.Errorf("filter line %q reads as %q, %v; want %q", line, got, err, defaultFilter)
	}
	if y := seedYAML("127.0.0.1:1", ""); strings.Contains(y, "filter") {
		t.Errorf("no filter, yet\n%s", y)
	}
}

func TestParseFilterCounters(t *testing.T) {
	text := `# HELP hookmesh_ledger_filter_evaluations_total ...
# TYPE hookmesh_ledger_filter_evaluations_total counter
hookmesh_ledger_filter_evaluations_total{result="error"} 2
hookmesh_ledger_filter_evaluations_total{result="matched"} 1.2345e+06
hookmesh_ledger_filter_evaluations_total{result="not_matched"} 7
# TYPE hookmesh_ledger_filter_evaluation_seconds_total counter
hookmesh_ledger_filter_evaluation_seconds_total 12.5
hookmesh_ledger_record_duration_seconds_count{outcome="created"} 9
`
	c, found, err := parseFilterCounters(strings.NewReader(text))
	if err != nil || !found {
		t.Fatalf("parse: %v, found %v", err, found)
	}
	if want := (filterCounters{Matched: 1234500, NotMatched: 7, Failed: 2, Seconds: 12.5}); c != want {
		t.Errorf("counters = %+v, want %+v", c, want)
	}
	if _, found, err := parseFilterCounters(strings.NewReader("go_goroutines 7\n")); err != nil || found {
		t.Errorf("a ledger without the filter metrics: found %v, %v", found, err)
	}
}

func TestFilterCost(t *testing.T) {
	before := filterCounters{Matched: 100, Seconds: 1}
	after := filterCounters{Matched: 20100, NotMatched: 1, Seconds: 1.2}
	cpu := CPU{Services: map[string]float64{"ledger": 4, "edge": 3}}
	f := filterCost(before, after, cpu, "ledger", 20000)
	// 0.2 s over 20,000 deliveries: 10 µs; the ledger spent 4 s / 20,000
	// = 200 µs per webhook: 5 %.
	if f.Evaluations != 20001 || f.Matched != 20000 || f.NotMatched != 1 || f.USPerDelivery != 10 ||
		f.LedgerUSPerWebhook != 200 || f.Share != 0.05 {
		t.Errorf("cost = %+v", f)
	}
	line := f.line()
	for _, want := range []string{"CEL filter: 20001 evaluations, 10.0 µs per delivery (5.0% of the ledger's CPU per webhook", "1 not matched"} {
		if !strings.Contains(line, want) {
			t.Errorf("line %q lacks %q", line, want)
		}
	}
	if line := filterCost(before, after, CPU{Services: map[string]float64{"hookmesh": 4}}, "hookmesh", 20000).line(); !strings.Contains(line, "of the hookmesh process's CPU") {
		t.Errorf("one process: %q", line)
	}
}
