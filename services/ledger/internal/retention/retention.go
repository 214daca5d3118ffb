// Package retention decides what the ledger may forget and when: the raw
// bodies of webhooks (receipts, which hold personal data), the events with
// their finished deliveries and attempt history, and the dedup keys. Each
// store applies a Policy its own way (PostgreSQL drops whole time
// partitions; the embedded store deletes in bounded batches); this package
// holds what both share, so the rules are written once.
//
// The rules every store keeps (checked by the storetest conformance suite):
//   - unfinished work is never dropped: a pending delivery, a dead letter,
//     and the event and receipt they need, survive any policy;
//   - a duplicate of an event whose body or row was dropped, arriving within
//     DedupHorizon of the first receipt, is still answered duplicate;
//   - a pass is bounded: no statement touches an unbounded number of rows,
//     so webhooks keep being recorded while it runs.
package retention

import (
	"context"
	"time"
)

// DefaultDedupHorizon is how long a dedup key outlives its event's body
// and row when the policy does not say: 30 days, ten times the longest
// retry window of the presets (Stripe retries for up to 3 days).
const DefaultDedupHorizon = 30 * 24 * time.Hour

// Limits are the ages after which data goes. Zero means keep forever.
type Limits struct {
	// Bodies is the age after which a receipt's body and headers go.
	Bodies time.Duration
	// Events is the age after which an event goes, with its receipt, its
	// finished deliveries and their attempt history.
	Events time.Duration
}

// Policy is a parsed HOOKMESH_RETENTION, for example
// "bodies=7d events=90d dedup=30d stripe.bodies=3d".
type Policy struct {
	// Limits apply to every platform without an override.
	Limits
	// Platforms overrides Limits per platform (a preset or configured
	// source name); a zero field of an override falls back to Limits.
	Platforms map[string]Limits
	// DedupHorizon is how long after its receipt a dedup key is kept,
	// whatever happened to the event; DefaultDedupHorizon when unset.
	DedupHorizon time.Duration
	// ExportDir, when set (HOOKMESH_RETENTION_EXPORT_DIR), receives what a
	// pass drops as JSON Lines files before it is dropped.
	ExportDir string
}

// Enabled reports whether the policy drops anything.
func (p Policy) Enabled() bool {
	if p.Bodies > 0 || p.Events > 0 {
		return true
	}
	for _, l := range p.Platforms {
		if l.Bodies > 0 || l.Events > 0 {
			return true
		}
	}
	return false
}

// TableReport is what a pass dropped (or, in a dry run, would drop) from
// one table.
type TableReport struct {
	// Table is the logical table: "receipts", "events", "deliveries",
	// "delivery_attempts" or "dedup_keys".
	Table string
	// Rows and Bytes count what went (for receipts: those deleted with
	// their events plus those whose body and headers were cleared); Bytes
	// is the store's own measure
	// (PostgreSQL relation sizes of dropped partitions plus an estimate for
	// deleted rows; the embedded store's payload lengths).
	Rows, Bytes int64
	// Partitions names the PostgreSQL partitions dropped whole; empty on
	// the embedded store.
	Partitions []string
}

// Report is the result of one pass.
type Report struct {
	// DryRun is set when nothing was dropped: the counts are what would go.
	DryRun bool
	// Now is the moment the pass judged ages against: each cutoff is Now
	// minus a limit.
	Now time.Time
	// Tables holds one entry per table the pass looked at.
	Tables []TableReport
	// Kept counts rows older than the policy that stayed because they are
	// unfinished work (pending deliveries, dead letters, what they need).
	Kept int64
	// ExportFiles are the JSON Lines files written before dropping.
	ExportFiles []string
	// Took is how long the pass ran.
	Took time.Duration
}

// TableSize is one table's current size, for the metrics.
type TableSize struct {
	Table       string
	Rows, Bytes int64
}

// Sizes is what the ledger exports as gauges.
type Sizes struct {
	Tables []TableSize
	// OldestEvent is the receipt time of the oldest stored event; zero
	// when there is none.
	OldestEvent time.Time
}

// Store is what a ledger store implements to take part in retention.
type Store interface {
	// Retain applies p as of now. With dryRun it changes nothing and
	// reports what would go. It is safe to run from several ledgers at
	// once (one of them does the work; the others return an empty report).
	Retain(ctx context.Context, p Policy, now time.Time, dryRun bool) (Report, error)
	// RetentionSizes measures the tables for the metrics.
	RetentionSizes(ctx context.Context) (Sizes, error)
}
