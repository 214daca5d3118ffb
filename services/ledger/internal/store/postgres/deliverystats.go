package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// reportBreakersSQL replaces a dispatcher's report and forgets reports a
// day old (dispatchers that are gone); the table has a row per dispatcher,
// so the delete reads little.
// $1 dispatcher id, $2 open targets, $3 half-open targets.
const reportBreakersSQL = `
WITH gone AS (
    DELETE FROM dispatcher_breakers WHERE reported_at < now() - interval '1 day' AND dispatcher_id <> $1
)
INSERT INTO dispatcher_breakers (dispatcher_id, open_targets, probe_targets, reported_at)
VALUES ($1, $2, $3, now())
ON CONFLICT (dispatcher_id) DO UPDATE
SET open_targets = excluded.open_targets, probe_targets = excluded.probe_targets, reported_at = excluded.reported_at`

// ReportBreakers stores a dispatcher's breaker report.
func (s *Store) ReportBreakers(ctx context.Context, r store.BreakerRow) error {
	if _, err := s.pool.Exec(ctx, reportBreakersSQL, r.DispatcherID, r.Open, r.Probe); err != nil {
		return mapErr("report breakers", err)
	}
	return nil
}

// Statements of DeliveryStats, sent in one batch. Pending deliveries are
// read through deliveries_due_idx (state 1, leased ones included: the
// live leases are subtracted), dead ones through deliveries_dead_idx,
// failures through events_event_type_id_idx (event_type 0).
const (
	statsPendingSQL  = `SELECT subscription, count(*), min(created_at) FROM deliveries WHERE state = 1 GROUP BY subscription`
	statsLeasedSQL   = `SELECT subscription, count(*) FROM delivery_leases WHERE expires_at > now() GROUP BY subscription`
	statsDeadSQL     = `SELECT subscription, count(*) FROM deliveries WHERE state = 3 GROUP BY subscription`
	statsTargetsSQL  = `SELECT name, target FROM subscriptions`
	statsFailuresSQL = `SELECT platform, count(*) FROM events WHERE event_type = 0 GROUP BY platform`
	statsBreakersSQL = `SELECT dispatcher_id, open_targets, probe_targets, reported_at FROM dispatcher_breakers
WHERE reported_at > now() - make_interval(secs => $1)`
)

// DeliveryStats reads the delivery statistics in one round trip.
func (s *Store) DeliveryStats(ctx context.Context) (store.StatsRows, error) {
	out := store.StatsRows{Targets: map[string]string{}, NormalizationFailures: map[string]int64{}}
	bySub := map[string]*store.SubscriptionCountRow{}
	row := func(name string) *store.SubscriptionCountRow {
		if bySub[name] == nil {
			bySub[name] = &store.SubscriptionCountRow{Subscription: name}
		}
		return bySub[name]
	}
	b := &pgx.Batch{}
	b.Queue(statsPendingSQL).Query(func(rows pgx.Rows) error {
		var name string
		var n int64
		var oldest time.Time
		_, err := pgx.ForEachRow(rows, []any{&name, &n, &oldest}, func() error {
			r := row(name)
			r.Pending, r.OldestPending = n, oldest
			return nil
		})
		return err
	})
	queueCounts(b, statsLeasedSQL, func(name string, n int64) { row(name).InFlight = n })
	queueCounts(b, statsDeadSQL, func(name string, n int64) { row(name).Dead = n })
	b.Queue(statsTargetsSQL).Query(func(rows pgx.Rows) error {
		var name, target string
		_, err := pgx.ForEachRow(rows, []any{&name, &target}, func() error {
			out.Targets[name] = target
			return nil
		})
		return err
	})
	queueCounts(b, statsFailuresSQL, func(platform string, n int64) { out.NormalizationFailures[platform] = n })
	b.Queue(statsBreakersSQL, store.BreakerReportTTL.Seconds()).Query(func(rows pgx.Rows) error {
		var r store.BreakerRow
		_, err := pgx.ForEachRow(rows, []any{&r.DispatcherID, &r.Open, &r.Probe, &r.ReportedAt}, func() error {
			out.Breakers = append(out.Breakers, r)
			return nil
		})
		return err
	})
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return store.StatsRows{}, mapErr("delivery stats", err)
	}
	for _, r := range bySub {
		// A leased delivery is state 1 too: the backlog is the rest.
		r.Pending = max(0, r.Pending-r.InFlight)
		out.Counts = append(out.Counts, *r)
	}
	return out, nil
}

// queueCounts queues a query of (key, count) rows, each passed to fn.
func queueCounts(b *pgx.Batch, sql string, fn func(key string, n int64)) {
	b.Queue(sql).Query(func(rows pgx.Rows) error {
		var key string
		var n int64
		_, err := pgx.ForEachRow(rows, []any{&key, &n}, func() error {
			fn(key, n)
			return nil
		})
		return err
	})
}
