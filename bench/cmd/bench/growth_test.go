package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestFitEvents: the disk guard caps the count at what the free space
// allows after its margin and reserve, and leaves it alone when the free
// space or the growth per event is unknown.
func TestFitEvents(t *testing.T) {
	const gb = 1 << 30
	cases := []struct {
		name           string
		want, done     int
		perEvent       float64
		free, expected int64
	}{
		{"fits", 1_000_000, 20_000, 4000, 100 * gb, 1_000_000},
		// 20 GiB free: 15 GiB usable less the 5 GiB reserve = 10 GiB, at
		// 4 KiB an event 2,621,440 more.
		{"capped", 50_000_000, 20_000, 4096, 20 * gb, 20_000 + 2_621_440},
		{"no room left", 50_000_000, 20_000, 4096, 2 * gb, 20_000},
		{"free unknown", 50_000_000, 20_000, 4096, -1, 50_000_000},
		{"growth unknown", 50_000_000, 20_000, 0, 20 * gb, 50_000_000},
	}
	for _, c := range cases {
		if got := fitEvents(c.want, c.done, c.perEvent, c.free); int64(got) != c.expected {
			t.Errorf("%s: fitEvents(%d, %d, %g, %d) = %d, want %d", c.name, c.want, c.done, c.perEvent, c.free, got, c.expected)
		}
	}
}

// TestPrefillTemplate: the pre-fill's body is the Stripe sample (~2 KB,
// holding the event id the SQL replaces per row) and its headers are a
// JSON object of lower-case names to lists, as the edge stores them.
func TestPrefillTemplate(t *testing.T) {
	body, id, headers, err := prefillTemplate(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(body) < 1500 || len(body) > 4000 {
		t.Errorf("body is %d bytes, want about 2 KB", len(body))
	}
	if id == "" || !strings.Contains(body, id) {
		t.Errorf("event id %q not in the body", id)
	}
	var h map[string][]string
	if err := json.Unmarshal(headers, &h); err != nil {
		t.Fatalf("headers %s: %v", headers, err)
	}
	if len(h) < 2 {
		t.Errorf("headers %s: want the sample's headers", headers)
	}
	for k := range h {
		if k != strings.ToLower(k) {
			t.Errorf("header %q is not lower-case", k)
		}
	}
	if _, ok := h["stripe-signature"]; !ok {
		t.Errorf("headers %s: no stripe-signature", headers)
	}
}

// TestRetentionResult: the pass's figures reach the results JSON (inside
// the growth section) and the printed line.
func TestRetentionResult(t *testing.T) {
	rr := &retentionResult{Policy: growthRetention, PassS: 12.5, BeforeBytes: 10 << 30, AfterBytes: 6 << 30, VacuumBytes: 5 << 30,
		Tables: []retentionTable{{Table: "events", Rows: 1000, Bytes: 1 << 30, Partitions: 16}, {Table: "deliveries", Rows: 1000, Bytes: 1 << 20}}, Kept: 3}
	b, err := json.Marshal(map[string]any{"growth": map[string]any{"events": 5, "retention": rr}})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Growth struct {
			Retention map[string]any `json:"retention"`
		} `json:"growth"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"policy", "pass_s", "tables", "kept", "database_bytes_before", "database_bytes_after", "database_bytes_after_vacuum"} {
		if _, ok := got.Growth.Retention[k]; !ok {
			t.Errorf("results JSON %s: no growth.retention.%s", b, k)
		}
	}
	s := rr.summary()
	for _, want := range []string{"bodies=7d events=14d", "12.5 s", "10.00 GiB before", "6.00 GiB after", "5.00 GiB after VACUUM", "events 1000 rows", "(16 partitions)", "kept 3"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary %q lacks %q", s, want)
		}
	}
	if s := (&retentionResult{Error: "boom"}).summary(); !strings.Contains(s, "boom") {
		t.Errorf("failed pass summary %q", s)
	}
}

// TestLedgerRestartEnv: the restarted ledger keeps its environment, gets
// the extra settings, and the original map is untouched.
func TestLedgerRestartEnv(t *testing.T) {
	env := map[string]string{"DATABASE_URL": "postgres://x", "HOOKMESH_LOG_LEVEL": "info"}
	got := ledgerRestartEnv(env, map[string]string{"HOOKMESH_RETENTION": growthRetention})
	if got["DATABASE_URL"] != "postgres://x" || got["HOOKMESH_RETENTION"] != growthRetention {
		t.Errorf("ledgerRestartEnv = %v", got)
	}
	if _, ok := env["HOOKMESH_RETENTION"]; ok {
		t.Error("ledgerRestartEnv changed its input")
	}
}
