package postgres

import (
	"context"
	"encoding/json"
	"sort"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// notifier sends the outbox notifications of Record outside Record's
// transaction, coalesced.
//
// Why: PostgreSQL serializes the commits of every transaction that sent a
// NOTIFY behind one global lock, WAL flush included. With pg_notify inside
// Record, concurrent Records could not share a flush: the benchmark saw 75%
// of the ledger's sessions waiting on that lock and ingest stuck at about
// 355/s. Here Record commits without notifying, then signals; one goroutine
// sends a single NOTIFY for everything signalled since its last one. While a
// NOTIFY is in flight, new signals accumulate, so the lock is taken once per
// batch, not once per webhook. The NOTIFY follows the commit of the rows it
// announces, so a woken dispatcher always finds them. If it fails, nothing
// is lost: dispatchers poll as a fallback.
type notifier struct {
	pool *pgxpool.Pool

	mu      sync.Mutex
	pending map[string]bool
	wake    chan struct{}

	stop context.CancelFunc
	done chan struct{}
}

// notifyTimeout bounds one NOTIFY; a slow database delays wake-ups, never
// Records.
const notifyTimeout = 5 * time.Second

func newNotifier(pool *pgxpool.Pool) *notifier {
	ctx, cancel := context.WithCancel(context.Background())
	n := &notifier{pool: pool, pending: map[string]bool{}, wake: make(chan struct{}, 1), stop: cancel, done: make(chan struct{})}
	go n.run(ctx)
	return n
}

// signal queues a notification for subscriptions; it never blocks.
func (n *notifier) signal(subscriptions []string) {
	n.mu.Lock()
	for _, s := range subscriptions {
		n.pending[s] = true
	}
	n.mu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

func (n *notifier) run(ctx context.Context) {
	defer close(n.done)
	for {
		select {
		case <-ctx.Done():
			return
		case <-n.wake:
		}
		n.mu.Lock()
		subs := make([]string, 0, len(n.pending))
		size := 0
		for s := range n.pending {
			subs = append(subs, s)
			size += len(s)
		}
		clear(n.pending)
		n.mu.Unlock()
		if len(subs) == 0 {
			// A wake-up whose signals an earlier round already sent: an
			// empty NOTIFY would wake every dispatcher for nothing.
			continue
		}
		if size > 7000 {
			subs = []string{} // NOTIFY payloads are capped at 8000 bytes: empty means "any"
		}
		sort.Strings(subs)
		list, _ := json.Marshal(subs)
		cctx, cancel := context.WithTimeout(ctx, notifyTimeout)
		// Relaxed commit (see relaxedSQL): a wake-up lost in a crash is
		// covered by polling.
		_, _ = n.pool.Exec(cctx, `SELECT set_config('synchronous_commit', 'off', true),
    pg_notify($1, json_build_object('schema', current_schema(), 'subscriptions', $2::json)::text)`,
			Channel, string(list))
		cancel()
	}
}

// close stops the goroutine; signals after close are dropped.
func (n *notifier) close() {
	n.stop()
	<-n.done
}
