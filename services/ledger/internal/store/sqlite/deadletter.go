package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// whereBuilder builds a WHERE clause from the filters present, numbering
// the parameters, so the planner sees plain predicates and uses the
// matching index.
type whereBuilder struct {
	conds []string
	args  []any
}

// add appends cond, whose "$?" stands for arg.
func (w *whereBuilder) add(cond string, arg any) {
	w.conds = append(w.conds, strings.ReplaceAll(cond, "$?", w.param(arg)))
}

// param appends arg and returns its placeholder.
func (w *whereBuilder) param(arg any) string {
	w.args = append(w.args, arg)
	return "$" + strconv.Itoa(len(w.args))
}

func (w *whereBuilder) sql() string { return strings.Join(w.conds, " AND ") }

func deadLetterFilter(subscription, platform string) *whereBuilder {
	w := &whereBuilder{conds: []string{"d.state = 3"}}
	if subscription != "" {
		w.add("d.subscription = $?", subscription)
	}
	if platform != "" {
		w.add("d.platform = $?", platform)
	}
	return w
}

// ListDeadLetters returns one page of dead letters, newest dead first, with
// their history, read in one snapshot.
func (s *Store) ListDeadLetters(ctx context.Context, req *ledgerv1.ListDeadLettersRequest) (*ledgerv1.ListDeadLettersResponse, error) {
	q, err := store.PrepareListDeadLetters(req)
	if err != nil {
		return nil, err
	}
	w := deadLetterFilter(q.Subscription, q.Platform)
	if !q.AfterDeadAt.IsZero() {
		// The token holds dead_at in microseconds, exactly what is stored.
		w.conds = append(w.conds, fmt.Sprintf("(d.dead_at, d.delivery_id) < (%s, %s)",
			w.param(q.AfterDeadAt.UnixMicro()), w.param(q.AfterID)))
	}
	query := `SELECT ` + deliveryColumns("d.") + ` FROM deliveries d WHERE ` + w.sql() +
		` ORDER BY d.dead_at DESC, d.delivery_id DESC LIMIT ` + w.param(q.PageSize+1)
	var resp *ledgerv1.ListDeadLettersResponse
	err = s.read(ctx, "list dead letters", func(tx *sql.Tx) error {
		rows, err := queryDeliveries(ctx, tx, query, w.args...)
		if err != nil {
			return err
		}
		// The extra row only proves a next page; its history is not needed.
		attempts, err := queryAttempts(ctx, tx, rows[:min(len(rows), q.PageSize)])
		if err != nil {
			return err
		}
		resp = store.DeadLettersResult(q, rows, attempts)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// replaySet is the SET list of a replay: due now (the parameter now),
// attempts reset (the retry policy starts over), lease cleared. last_error
// and the history stay to show what happened before; delivery_id stays,
// the handler's idempotency key.
func replaySet(now string) string {
	return `state = 1, attempts = 0, next_attempt_at = ` + now + `, replays = replays + 1,
    lease_token = NULL, leased_by = '', dead_at = NULL, updated_at = ` + now
}

var replayOneSQL = `UPDATE deliveries SET ` + replaySet("$1") + `
WHERE delivery_id = $2 AND state = 3
RETURNING ` + deliveryColumns("")

// ReplayDeadLetter makes one dead letter due now and wakes the listeners.
func (s *Store) ReplayDeadLetter(ctx context.Context, req *ledgerv1.ReplayDeadLetterRequest) (*ledgerv1.ReplayDeadLetterResponse, error) {
	id, err := store.PrepareReplayDeadLetter(req)
	if err != nil {
		return nil, err
	}
	var d store.DeliveryRow
	err = s.write(ctx, fmt.Sprintf("replay dead letter %s", id), func(tx *sql.Tx, now int64) ([]string, error) {
		// No row: not a dead letter, ErrNotFound.
		if err := tx.QueryRowContext(ctx, replayOneSQL, now, id).Scan(deliveryDest(&d)...); err != nil {
			return nil, err
		}
		return []string{d.Subscription}, nil
	})
	if err != nil {
		return nil, err
	}
	return &ledgerv1.ReplayDeadLetterResponse{Delivery: d.Delivery()}, nil
}

// ReplayDeadLetters replays the oldest matching dead letters first, up to
// the limit, and counts those left, in one write transaction.
func (s *Store) ReplayDeadLetters(ctx context.Context, req *ledgerv1.ReplayDeadLettersRequest) (*ledgerv1.ReplayDeadLettersResponse, error) {
	q, err := store.PrepareReplayDeadLetters(req)
	if err != nil {
		return nil, err
	}
	var replayed, remaining int64
	err = s.write(ctx, "replay dead letters", func(tx *sql.Tx, now int64) ([]string, error) {
		w := deadLetterFilter(q.Subscription, q.Platform)
		set := replaySet(w.param(now))
		limit := w.param(q.Limit)
		subs, n, err := collectNames(tx.QueryContext(ctx, `
UPDATE deliveries SET `+set+`
WHERE delivery_id IN (
    SELECT d.delivery_id FROM deliveries d WHERE `+w.sql()+`
    ORDER BY d.dead_at, d.delivery_id
    LIMIT `+limit+`)
RETURNING subscription`, w.args...))
		if err != nil {
			return nil, err
		}
		replayed = int64(n)
		// Counted after the update, inside the same transaction: the
		// replayed rows are no longer dead.
		cw := deadLetterFilter(q.Subscription, q.Platform)
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM deliveries d WHERE `+cw.sql(), cw.args...).Scan(&remaining); err != nil {
			return nil, err
		}
		return subs, nil
	})
	if err != nil {
		return nil, err
	}
	return &ledgerv1.ReplayDeadLettersResponse{Replayed: int32(replayed), Remaining: int32(remaining)}, nil
}
