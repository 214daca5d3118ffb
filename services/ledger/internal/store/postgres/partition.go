package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Time partitions of events and receipts (see
// migrations/0012_partitions.sql): the events received on UTC day d (days
// since 1970-01-01) have the ids [d << dayShift, (d+1) << dayShift), and
// their receipts the part_id d << dayShift. A day's partitions are named
// events_dYYYYMMDD and receipts_dYYYYMMDD.
const (
	dayShift = 36
	// legacyEnd is the end of events_legacy's and receipts_legacy's range:
	// the first id of day 1, above every id the identity gave before 0012.
	legacyEnd = int64(1) << dayShift
	// daysAhead is how many days after today get their partitions ahead:
	// today's and the next two always exist, so a missed hourly run (a
	// ledger restarting, a lock not granted) never leaves a day without.
	daysAhead = 2
	// partitionLockTimeout bounds how long creating or dropping a partition
	// waits for its lock (and so how long Records queue behind it); on
	// timeout the work is retried at the next run.
	partitionLockTimeout = "5s"
)

const secondsPerDay = 24 * 60 * 60

// eventIDSQL is an event's id from its receipt time $8: its day, shifted,
// and the low bits of event_seq.
const eventIDSQL = `((floor(extract(epoch FROM $8::timestamptz) / 86400)::bigint << 36)
        | (nextval('event_seq') & 68719476735))`

// partKeySQL is the part_id of the receipt of the event whose id is the
// SQL expression id.
func partKeySQL(id string) string { return "((" + id + ") >> 36 << 36)" }

// dayOf is the UTC day number of t.
func dayOf(t time.Time) int64 {
	s := t.Unix()
	d := s / secondsPerDay
	if s < 0 && s%secondsPerDay != 0 {
		d--
	}
	return d
}

// dayStart is the first moment of day d.
func dayStart(d int64) time.Time { return time.Unix(d*secondsPerDay, 0).UTC() }

// partitionName is the name of table's partition of day d.
func partitionName(table string, d int64) string {
	return table + "_d" + dayStart(d).Format("20060102")
}

// EnsurePartitions creates the day partitions of events and receipts from
// now's day to daysAhead days after, those missing. The ledger calls it at
// Migrate and every hour (services/ledger/partitions.go); any number of
// ledgers may call it at once.
func (s *Store) EnsurePartitions(ctx context.Context, now time.Time) error {
	return mapErr("ensure partitions", ensurePartitions(ctx, s.pool, now))
}

// ensurePartitions is EnsurePartitions on a pool, for Migrate.
func ensurePartitions(ctx context.Context, pool *pgxpool.Pool, now time.Time) error {
	today := dayOf(now)
	for d := today; d <= today+daysAhead; d++ {
		for _, table := range []string{"events", "receipts"} {
			if err := createPartition(ctx, pool, table, d); err != nil {
				return fmt.Errorf("%s: %w", partitionName(table, d), err)
			}
		}
	}
	return nil
}

// createPartition creates table's partition of day d unless it exists. A
// row of that day may already be in the default partition (an event
// received with a clock days ahead): PostgreSQL refuses to create the
// partition then, so such rows move into it in the same transaction.
// Concurrent creators serialize on an advisory lock.
func createPartition(ctx context.Context, pool *pgxpool.Pool, table string, d int64) error {
	name := partitionName(table, d)
	var exists bool
	if err := pool.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, name).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	key := "id"
	pk := ""
	if table == "receipts" {
		key, pk = "part_id", "(PRIMARY KEY (receipt_id)) "
	}
	lo, hi := d<<dayShift, (d+1)<<dayShift
	kept := pgx.Identifier{table + "_kept"}.Sanitize()
	ident := pgx.Identifier{name}.Sanitize()
	hold := pgx.Identifier{"hold_" + name}.Sanitize()
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL lock_timeout = '`+partitionLockTimeout+`'`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('hookmesh.ledger.partitions.' || current_schema()))`); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, name).Scan(&exists); err != nil || exists {
			return err
		}
		stmts := []string{
			fmt.Sprintf(`CREATE TEMP TABLE %s (LIKE %s) ON COMMIT DROP`, hold, table),
			fmt.Sprintf(`WITH m AS (DELETE FROM %s WHERE %s >= %d AND %s < %d RETURNING *) INSERT INTO %s SELECT * FROM m`,
				kept, key, lo, key, hi, hold),
			fmt.Sprintf(`CREATE TABLE %s PARTITION OF %s %sFOR VALUES FROM (%d) TO (%d)`, ident, table, pk, lo, hi),
			fmt.Sprintf(`INSERT INTO %s SELECT * FROM %s`, table, hold),
		}
		for _, q := range stmts {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
}
