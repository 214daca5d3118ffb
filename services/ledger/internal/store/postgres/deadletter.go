package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// whereBuilder builds a WHERE clause from the filters present, numbering
// the parameters, as ListEvents does: plain predicates let the planner use
// the matching index.
type whereBuilder struct {
	conds []string
	args  []any
}

// add appends cond, whose "$?" stands for arg.
func (w *whereBuilder) add(cond string, arg any) {
	w.args = append(w.args, arg)
	w.conds = append(w.conds, strings.ReplaceAll(cond, "$?", "$"+strconv.Itoa(len(w.args))))
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
// their history, read in one repeatable-read snapshot.
func (s *Store) ListDeadLetters(ctx context.Context, req *ledgerv1.ListDeadLettersRequest) (*ledgerv1.ListDeadLettersResponse, error) {
	q, err := store.PrepareListDeadLetters(req)
	if err != nil {
		return nil, err
	}
	w := deadLetterFilter(q.Subscription, q.Platform)
	if !q.AfterDeadAt.IsZero() {
		w.conds = append(w.conds, fmt.Sprintf("(d.dead_at, d.delivery_id) < (%s, %s::uuid)",
			w.param(q.AfterDeadAt), w.param(q.AfterID)))
	}
	sql := `SELECT ` + deliveryCols + ` FROM deliveries d WHERE ` + w.sql() +
		` ORDER BY d.dead_at DESC, d.delivery_id DESC LIMIT ` + w.param(q.PageSize+1)
	var resp *ledgerv1.ListDeadLettersResponse
	err = pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, err := queryDeliveries(ctx, tx, sql, w.args...)
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
		return nil, mapErr("list dead letters", err)
	}
	return resp, nil
}

// replaySet is the SET list of a replay: due now, attempts reset (the
// retry policy starts over). A dead letter holds no lease (its outcome
// deleted it). last_error and the history stay to show what happened
// before; delivery_id stays, the handler's idempotency key.
const replaySet = `state = 1, attempts = 0, next_attempt_at = now(), replays = d.replays + 1,
        dead_at = NULL, updated_at = now()`

const replayOneSQL = `
WITH up AS (
    UPDATE deliveries d SET ` + replaySet + `
    WHERE d.delivery_id = $1 AND ` + deadRowSQL + `
    RETURNING ` + deliveryCols + `
), nt AS (` + notifySQL + ` FROM up HAVING count(*) > 0
)
SELECT *, (SELECT count(*) FROM nt) FROM up`

// ReplayDeadLetter makes one dead letter due now.
func (s *Store) ReplayDeadLetter(ctx context.Context, req *ledgerv1.ReplayDeadLetterRequest) (*ledgerv1.ReplayDeadLetterResponse, error) {
	id, err := store.PrepareReplayDeadLetter(req)
	if err != nil {
		return nil, err
	}
	var d store.DeliveryRow
	var notified int64
	if err := s.pool.QueryRow(ctx, replayOneSQL, id).Scan(append(deliveryDest(&d), &notified)...); err != nil {
		return nil, mapErr(fmt.Sprintf("replay dead letter %s", id), err)
	}
	return &ledgerv1.ReplayDeadLetterResponse{Delivery: d.Delivery()}, nil
}

// ReplayDeadLetters replays the oldest matching dead letters first, up to
// the limit, and counts those left. Rows another replay holds are skipped,
// not waited for, and counted as remaining: the caller calls again.
func (s *Store) ReplayDeadLetters(ctx context.Context, req *ledgerv1.ReplayDeadLettersRequest) (*ledgerv1.ReplayDeadLettersResponse, error) {
	q, err := store.PrepareReplayDeadLetters(req)
	if err != nil {
		return nil, err
	}
	w := deadLetterFilter(q.Subscription, q.Platform)
	limit := w.param(q.Limit)
	// The count reads the statement's snapshot, from before the update, so
	// the replayed rows are subtracted from it.
	sql := `
WITH picked AS (
    SELECT d.delivery_id FROM deliveries d WHERE ` + w.sql() + `
    ORDER BY d.dead_at, d.delivery_id
    LIMIT ` + limit + `
    FOR UPDATE SKIP LOCKED
), up AS (
    UPDATE deliveries d SET ` + replaySet + `
    FROM picked WHERE d.delivery_id = picked.delivery_id
    RETURNING d.subscription
), nt AS (` + notifySQL + ` FROM up HAVING count(*) > 0
)
SELECT (SELECT count(*) FROM up),
    (SELECT count(*) FROM deliveries d WHERE ` + w.sql() + `) - (SELECT count(*) FROM up),
    (SELECT count(*) FROM nt)`
	var replayed, remaining, notified int64
	if err := s.pool.QueryRow(ctx, sql, w.args...).Scan(&replayed, &remaining, &notified); err != nil {
		return nil, mapErr("replay dead letters", err)
	}
	return &ledgerv1.ReplayDeadLettersResponse{Replayed: int32(replayed), Remaining: int32(max(remaining, 0))}, nil
}
