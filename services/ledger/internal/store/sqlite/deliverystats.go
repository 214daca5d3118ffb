package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// ReportBreakers stores a dispatcher's breaker report and forgets reports
// a day old (dispatchers that are gone).
func (s *Store) ReportBreakers(ctx context.Context, r store.BreakerRow) error {
	open, err := jsonText(r.Open)
	if err != nil {
		return err
	}
	probe, err := jsonText(r.Probe)
	if err != nil {
		return err
	}
	return s.write(ctx, "report breakers", func(tx *sql.Tx, now int64) ([]string, error) {
		if _, err := tx.ExecContext(ctx, `DELETE FROM dispatcher_breakers WHERE reported_at < $1 AND dispatcher_id <> $2`,
			now-(24*time.Hour).Microseconds(), r.DispatcherID); err != nil {
			return nil, err
		}
		_, err := tx.ExecContext(ctx, `
INSERT INTO dispatcher_breakers (dispatcher_id, open_targets, probe_targets, reported_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (dispatcher_id) DO UPDATE
SET open_targets = excluded.open_targets, probe_targets = excluded.probe_targets, reported_at = excluded.reported_at`,
			r.DispatcherID, open, probe, now)
		return nil, err
	})
}

// DeliveryStats reads the delivery statistics in one read transaction:
// pending deliveries along deliveries_due_idx (state 1, leased ones told
// apart by their live lease), dead ones along deliveries_dead_idx,
// failures along events_event_type_id_idx (event_type 0).
func (s *Store) DeliveryStats(ctx context.Context) (store.StatsRows, error) {
	out := store.StatsRows{Targets: map[string]string{}, NormalizationFailures: map[string]int64{}}
	now := time.Now()
	err := s.read(ctx, "delivery stats", func(tx *sql.Tx) error {
		each := func(query string, args []any, dest func() []any, fn func()) error {
			rows, err := tx.QueryContext(ctx, query, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				if err := rows.Scan(dest()...); err != nil {
					return err
				}
				fn()
			}
			return rows.Err()
		}
		var c store.SubscriptionCountRow
		var oldest int64
		if err := each(`
SELECT subscription,
    sum(CASE WHEN lease_token IS NULL OR next_attempt_at <= $1 THEN 1 ELSE 0 END),
    sum(CASE WHEN lease_token IS NOT NULL AND next_attempt_at > $1 THEN 1 ELSE 0 END),
    min(created_at)
FROM deliveries WHERE state = 1 GROUP BY subscription`, []any{now.UnixMicro()},
			func() []any {
				c = store.SubscriptionCountRow{}
				return []any{&c.Subscription, &c.Pending, &c.InFlight, &oldest}
			},
			func() { c.OldestPending = microsTime(oldest); out.Counts = append(out.Counts, c) }); err != nil {
			return err
		}
		dead := map[string]int64{}
		var name string
		var n int64
		if err := each(`SELECT subscription, count(*) FROM deliveries WHERE state = 3 GROUP BY subscription`, nil,
			func() []any { return []any{&name, &n} }, func() { dead[name] = n }); err != nil {
			return err
		}
		for i := range out.Counts {
			out.Counts[i].Dead = dead[out.Counts[i].Subscription]
			delete(dead, out.Counts[i].Subscription)
		}
		for name, n := range dead {
			out.Counts = append(out.Counts, store.SubscriptionCountRow{Subscription: name, Dead: n})
		}
		var target string
		if err := each(`SELECT name, target FROM subscriptions`, nil,
			func() []any { return []any{&name, &target} }, func() { out.Targets[name] = target }); err != nil {
			return err
		}
		if err := each(`SELECT platform, count(*) FROM events WHERE event_type = 0 GROUP BY platform`, nil,
			func() []any { return []any{&name, &n} }, func() { out.NormalizationFailures[name] = n }); err != nil {
			return err
		}
		var b store.BreakerRow
		return each(`SELECT dispatcher_id, open_targets, probe_targets, reported_at FROM dispatcher_breakers WHERE reported_at > $1`,
			[]any{now.Add(-store.BreakerReportTTL).UnixMicro()},
			func() []any {
				b = store.BreakerRow{}
				return []any{&b.DispatcherID, jsonCol{&b.Open}, jsonCol{&b.Probe}, micros{&b.ReportedAt}}
			},
			func() { out.Breakers = append(out.Breakers, b) })
	})
	if err != nil {
		return store.StatsRows{}, err
	}
	return out, nil
}
