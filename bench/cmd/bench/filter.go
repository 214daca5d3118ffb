package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// defaultFilter is the CEL filter of the bench's subscription: what a
// consumer of each platform might write, reading the payload (so the
// ledger parses every body) and matching every event of the mix, so
// every webhook is still delivered and the other figures stay comparable
// with a run without it. Each branch reads one or two fields of its
// platform's payload; the configured source and Standard Webhooks fall to
// the last line.
const defaultFilter = `platform == "github" ? payload.ref.startsWith("refs/heads/") : ` +
	`platform == "shopify" ? payload.financial_status == "paid" && double(payload.total_price) > 0.0 : ` +
	`platform == "stripe" ? payload.type.startsWith("payment_intent.") && payload.data.object.amount > 0 : ` +
	`platform == "slack" ? payload.type == "event_callback" : ` +
	`has(payload.type) && source_type != "bench.ignored"`

// filterFromEnv is the subscription's filter: BENCH_FILTER when set (set
// and empty: no filter), else defaultFilter.
func filterFromEnv() string {
	if v, ok := os.LookupEnv("BENCH_FILTER"); ok {
		return strings.TrimSpace(v)
	}
	return defaultFilter
}

// seedYAML is the subscriptions file of a system: its sink, with the
// filter when there is one.
func seedYAML(target, filter string) string {
	s := fmt.Sprintf(seed, target)
	if filter != "" {
		// A JSON string is a YAML double-quoted scalar: no quoting rule
		// of YAML can bend the expression.
		q, _ := json.Marshal(filter)
		s += "    filter: " + string(q) + "\n"
	}
	return s
}

// Names of the ledger's filter metrics (services/ledger/README.md).
const (
	metricFilterEvals   = "hookmesh_ledger_filter_evaluations_total"
	metricFilterSeconds = "hookmesh_ledger_filter_evaluation_seconds_total"
)

// filterCounters are the ledger's filter counters at one moment.
type filterCounters struct {
	Matched, NotMatched, Failed float64
	Seconds                     float64
}

// parseFilterCounters reads the filter counters from a Prometheus text
// exposition; found is false when the ledger exports none (an older
// ledger).
func parseFilterCounters(r io.Reader) (c filterCounters, found bool, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "hookmesh_ledger_filter_") {
			continue
		}
		name, value, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		v, perr := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if perr != nil {
			return c, found, fmt.Errorf("metric line %q: %w", line, perr)
		}
		switch name {
		case metricFilterEvals + `{result="matched"}`:
			c.Matched, found = v, true
		case metricFilterEvals + `{result="not_matched"}`:
			c.NotMatched, found = v, true
		case metricFilterEvals + `{result="error"}`:
			c.Failed, found = v, true
		case metricFilterSeconds:
			c.Seconds, found = v, true
		}
	}
	return c, found, sc.Err()
}

// scrapeFilter reads the filter counters from the admin listener addr.
func scrapeFilter(ctx context.Context, addr string) (filterCounters, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
	if err != nil {
		return filterCounters{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return filterCounters{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return filterCounters{}, fmt.Errorf("GET /metrics on %s: %s", addr, resp.Status)
	}
	c, found, err := parseFilterCounters(resp.Body)
	if err == nil && !found {
		err = fmt.Errorf("GET /metrics on %s: no %s", addr, metricFilterEvals)
	}
	return c, err
}

// FilterCost is what the subscription's filter cost the ledger during a
// step: the JSON's steps[].filter.
type FilterCost struct {
	// Evaluations, Matched, NotMatched and Errors count the verdicts
	// (every event of the mix should match).
	Evaluations int     `json:"evaluations"`
	Matched     int     `json:"matched"`
	NotMatched  int     `json:"not_matched"`
	Errors      int     `json:"errors"`
	Seconds     float64 `json:"seconds"`
	// USPerDelivery is the evaluation time per matched event (one
	// delivery each: the bench has one subscription).
	USPerDelivery float64 `json:"us_per_delivery"`
	// LedgerUSPerWebhook is the CPU of the ledger (the whole process for
	// `hookmesh run`) per acked webhook in the step; Share is
	// USPerDelivery / LedgerUSPerWebhook.
	LedgerUSPerWebhook float64 `json:"ledger_cpu_us_per_webhook"`
	Share              float64 `json:"share_of_ledger_cpu"`
	// Of names the CPU Share is of: "ledger", or the one process.
	Of string `json:"of"`
}

// filterCost is the difference of two scrapes, set against the CPU that
// proc (the ledger, or the one process) spent per acked webhook.
func filterCost(before, after filterCounters, cpu CPU, proc string, acked int) *FilterCost {
	f := &FilterCost{
		Matched:    int(after.Matched - before.Matched),
		NotMatched: int(after.NotMatched - before.NotMatched),
		Errors:     int(after.Failed - before.Failed),
		Seconds:    after.Seconds - before.Seconds,
		Of:         proc,
	}
	f.Evaluations = f.Matched + f.NotMatched + f.Errors
	if f.Matched > 0 {
		f.USPerDelivery = round3(f.Seconds / float64(f.Matched) * 1e6)
	}
	if acked > 0 {
		f.LedgerUSPerWebhook = round3(cpu.Services[proc] / float64(acked) * 1e6)
	}
	if f.LedgerUSPerWebhook > 0 {
		f.Share = round3(f.USPerDelivery / f.LedgerUSPerWebhook)
	}
	f.Seconds = round3(f.Seconds)
	return f
}

// line is the output's summary of f.
func (f *FilterCost) line() string {
	of := "the ledger's"
	if f.Of != "ledger" {
		of = "the " + f.Of + " process's"
	}
	s := fmt.Sprintf("CEL filter: %d evaluations, %.1f µs per delivery (%.1f%% of %s CPU per webhook, %.0f µs)",
		f.Evaluations, f.USPerDelivery, f.Share*100, of, f.LedgerUSPerWebhook)
	if f.NotMatched > 0 || f.Errors > 0 {
		s += fmt.Sprintf("; %d not matched, %d errors: the filter does not match the whole mix", f.NotMatched, f.Errors)
	}
	return s
}
