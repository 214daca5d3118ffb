package postgres

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// group commits concurrent single-row writes (Record and the delivery
// outcomes) together: one round trip and one WAL flush for all of them.
//
// Why: each Record and each outcome report used to be its own transaction,
// so at a few hundred webhooks per second PostgreSQL spent most of its time
// serializing commits (the benchmark's sessions waited on LWLock:WALWrite
// two thirds of the time) while the ledger and the dispatcher idled. Here a
// caller hands its statement to one of groupWorkers workers; a worker takes
// every statement waiting at that moment (up to groupMax) and sends them as
// one pgx batch, which PostgreSQL runs as one implicit transaction ending at
// the batch's single Sync. No caller is answered before that commit, so
// "acknowledged means durable" holds for each of them exactly as before.
// Under light load a worker finds one statement and sends it alone: grouping
// never waits for company, it only takes what queued up while the previous
// commit was in flight.
//
// A statement that fails rolls back its whole group; the worker then runs
// each statement of the group alone, so only the bad one fails its caller.
// Statements are sorted by key before they are sent, so two groups always
// lock rows in the same order and cannot deadlock each other.
type group struct {
	pool *pgxpool.Pool
	ops  chan *groupOp // unbuffered: a send succeeds only into a live worker
	// relaxed commits without waiting for the WAL flush (see relaxedSQL).
	relaxed bool

	closing   chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
}

// groupOp is one statement returning at most one row.
type groupOp struct {
	key  string // orders the statements of a group (lock order)
	sql  string
	args []any
	// scan reads the row; pgx.ErrNoRows reaches the caller as the op's
	// error without failing the group.
	scan func(pgx.Row) error

	err  error
	done chan struct{}
}

const (
	// groupWorkers is how many groups can be in flight at once. Two: one
	// commits while the next gathers the statements that arrive meanwhile.
	// More workers make smaller groups, and so more commits competing for
	// the WAL lock.
	groupWorkers = 2
	// groupMax bounds one group, so one commit's latency stays bounded.
	groupMax = 128
	// groupTimeout bounds one group's round trip. It is not any one
	// caller's deadline: a caller that gives up earlier gets its context's
	// error while its statement may still commit, which is safe for these
	// statements (Record is idempotent; an outcome checks its lease token).
	groupTimeout = 15 * time.Second
)

// relaxedSQL makes the transaction it runs in commit asynchronously: the
// commit returns before its WAL record is flushed (PostgreSQL's
// synchronous_commit = off, for this transaction only), and the WAL writer
// flushes it within a few hundred milliseconds along with everything else.
//
// Only writes whose loss in a PostgreSQL crash is harmless use it: a delivery
// claim or outcome that never became durable leaves the delivery leased or
// due, so it is delivered again (at least once, as always), and a lost
// notification is covered by polling. A Record is never relaxed: its commit
// is what the edge's 202 promises. Why bother: a synchronous commit costs
// the backend a write and an fdatasync of the WAL, and with one per claim
// and one per outcome group those were most of PostgreSQL's CPU per
// delivery in the store's cost measurements.
const relaxedSQL = `SELECT ` + relaxedCall

// relaxedCall is relaxedSQL's call, for statements that do something else
// in the same SELECT (the claim's lock, the notifier's NOTIFY).
const relaxedCall = `set_config('synchronous_commit', 'off', true)`

// errGroupClosed answers statements submitted after Close.
var errGroupClosed = errors.New("ledger store is closed")

// newGroup starts the workers of a group; relaxed groups commit
// asynchronously (relaxedSQL).
func newGroup(pool *pgxpool.Pool, relaxed bool) *group {
	g := &group{pool: pool, ops: make(chan *groupOp), relaxed: relaxed, closing: make(chan struct{})}
	for range groupWorkers {
		g.wg.Add(1)
		go g.work()
	}
	return g
}

// run executes op within a group commit and returns its error.
func (g *group) run(ctx context.Context, op *groupOp) error {
	op.done = make(chan struct{})
	select {
	case g.ops <- op:
	case <-ctx.Done():
		return ctx.Err()
	case <-g.closing:
		return errGroupClosed
	}
	select {
	case <-op.done:
		return op.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// close stops the workers once their current group is answered. Store.Close
// may be called more than once.
func (g *group) close() {
	g.closeOnce.Do(func() { close(g.closing) })
	g.wg.Wait()
}

func (g *group) work() {
	defer g.wg.Done()
	batch := make([]*groupOp, 0, groupMax)
	for {
		batch = batch[:0]
		select {
		case op := <-g.ops:
			batch = append(batch, op)
		case <-g.closing:
			return
		}
	gather:
		for len(batch) < groupMax {
			select {
			case op := <-g.ops:
				batch = append(batch, op)
			default:
				break gather
			}
		}
		g.exec(batch)
		for _, op := range batch {
			close(op.done)
		}
	}
}

// exec runs batch as one transaction, or each op alone when that fails.
func (g *group) exec(batch []*groupOp) {
	ctx, cancel := context.WithTimeout(context.Background(), groupTimeout)
	defer cancel()
	if len(batch) == 1 && !g.relaxed {
		batch[0].err = batch[0].scan(g.pool.QueryRow(ctx, batch[0].sql, batch[0].args...))
		return
	}
	slices.SortFunc(batch, func(a, b *groupOp) int { return strings.Compare(a.key, b.key) })
	if err := g.send(ctx, batch); err != nil && len(batch) > 1 {
		// The implicit transaction rolled back (or, if the connection
		// broke after the Sync, its fate is unknown; these statements are
		// safe to repeat). Alone, each op gets its own answer, under a
		// fresh deadline in case the group's ran out.
		fctx, fcancel := context.WithTimeout(context.Background(), groupTimeout)
		defer fcancel()
		for _, op := range batch {
			op.err = nil
			if err := g.send(fctx, []*groupOp{op}); err != nil && op.err == nil {
				op.err = err
			}
		}
	} else if err != nil {
		batch[0].err = err
	}
}

// send runs ops as one pgx batch: one round trip, one implicit transaction
// ending at the batch's Sync, preceded by relaxedSQL in a relaxed group.
func (g *group) send(ctx context.Context, ops []*groupOp) error {
	b := &pgx.Batch{}
	if g.relaxed {
		b.Queue(relaxedSQL)
	}
	for _, op := range ops {
		b.Queue(op.sql, op.args...).QueryRow(func(row pgx.Row) error {
			err := op.scan(row)
			if errors.Is(err, pgx.ErrNoRows) {
				op.err = err
				return nil
			}
			return err
		})
	}
	return g.pool.SendBatch(ctx, b).Close()
}
