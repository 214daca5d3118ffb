package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"sort"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// notifier announces the deliveries that Records (and re-normalizations)
// made due: at once to this store's own Listen, and, coalesced and at most
// every remoteNotifyInterval, to every other ledger through one NOTIFY.
//
// Why not NOTIFY inside Record's transaction: PostgreSQL serializes the
// commits of every transaction that sent a NOTIFY behind one global lock,
// WAL flush included; the benchmark saw 75% of the ledger's sessions
// waiting on that lock and ingest stuck at about 355/s.
//
// Why local first: the dispatchers attached to this ledger are woken without
// the round trip through PostgreSQL (a NOTIFY transaction, then the
// listening connection's read), which at a few hundred webhooks per second
// happened once per Record. (The benchmark showed no measurable change in
// CPU per webhook from this; it removes a hop from every delivery's path
// and one NOTIFY transaction per Record.) Dispatchers attached to other ledgers (other
// replicas) are woken by the NOTIFY, at most remoteNotifyInterval later;
// whichever claims first delivers. The NOTIFY carries this store's instance
// id so its own Listen skips it (its dispatchers were woken already).
//
// Every announcement follows the commit of the rows it announces, so a
// woken dispatcher finds them. If one is lost, nothing is: dispatchers poll.
//
// New events are announced to the event streams of other ledgers
// (WatchEvents) on EventsChannel, but only in a round that notifies
// deliveries anyway, by a second pg_notify in the same statement: the
// stream costs Record no statement of its own. An event that made no
// delivery (no subscription matches it, or it could not be normalized)
// reaches other ledgers' streams at their next poll; this ledger's own
// streams are woken at once (Store.changes).
type notifier struct {
	pool     *pgxpool.Pool
	instance string

	mu      sync.Mutex
	remote  map[string]bool // for the next NOTIFY
	events  bool            // an event was recorded since the last NOTIFY
	local   map[string]bool // for this store's Listen
	rwake   chan struct{}
	lwake   chan struct{}
	stop    context.CancelFunc
	done    chan struct{}
	onClose sync.Once
}

const (
	// notifyTimeout bounds one NOTIFY; a slow database delays wake-ups,
	// never Records.
	notifyTimeout = 5 * time.Second
	// remoteNotifyInterval spaces the NOTIFYs: signals that arrive in
	// between go out together in the next one.
	remoteNotifyInterval = 20 * time.Millisecond
)

// eventRecorded wakes this store's event streams at once and, when the
// notifier's next round notifies deliveries, other ledgers'; Record calls
// it after the commit of each new event.
func (s *Store) eventRecorded() {
	s.changes.Signal()
	s.notify.signalEvents()
}

// notifierSQL sends a round's notifications: the deliveries', and the
// events' when $3. One statement for every round, so one cached plan.
const notifierSQL = `SELECT ` + relaxedCall + `,
    pg_notify('` + Channel + `', json_build_object('schema', current_schema(),
        'subscriptions', $1::json, 'from', $2::text)::text),
    CASE WHEN $3::boolean THEN pg_notify('` + EventsChannel + `', json_build_object('schema', current_schema(),
        'from', $2::text)::text) END`

func newNotifier(pool *pgxpool.Pool) *notifier {
	var id [8]byte
	_, _ = rand.Read(id[:])
	ctx, cancel := context.WithCancel(context.Background())
	n := &notifier{pool: pool, instance: hex.EncodeToString(id[:]),
		remote: map[string]bool{}, local: map[string]bool{},
		rwake: make(chan struct{}, 1), lwake: make(chan struct{}, 1), stop: cancel, done: make(chan struct{})}
	go n.run(ctx)
	return n
}

// signal queues a notification for subscriptions; it never blocks.
func (n *notifier) signal(subscriptions []string) {
	n.mu.Lock()
	for _, s := range subscriptions {
		n.remote[s] = true
		n.local[s] = true
	}
	n.mu.Unlock()
	for _, c := range []chan struct{}{n.lwake, n.rwake} {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}

// signalEvents notes a new event for the event streams of other ledgers,
// sent with the next round's delivery notification; it never blocks and
// wakes no round by itself.
func (n *notifier) signalEvents() {
	n.mu.Lock()
	n.events = true
	n.mu.Unlock()
}

// takeEvents reports whether events were signalled since the last call.
func (n *notifier) takeEvents() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	ev := n.events
	n.events = false
	return ev
}

// takeLocal returns the subscriptions signalled since the last call, for
// Listen, which waits on n.lwake.
func (n *notifier) takeLocal() []string { return n.take(n.local) }

// take empties set, one of n's, and returns its subscriptions in order.
func (n *notifier) take(set map[string]bool) []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	subs := make([]string, 0, len(set))
	for s := range set {
		subs = append(subs, s)
	}
	clear(set)
	sort.Strings(subs)
	return subs
}

func (n *notifier) run(ctx context.Context) {
	defer close(n.done)
	for {
		select {
		case <-ctx.Done():
			return
		case <-n.rwake:
		}
		subs := n.take(n.remote)
		if len(subs) == 0 {
			// A wake-up whose signals an earlier round already sent: an
			// empty NOTIFY would wake every dispatcher for nothing.
			continue
		}
		events := n.takeEvents()
		size := 0
		for _, s := range subs {
			size += len(s)
		}
		if size > 7000 {
			subs = []string{} // NOTIFY payloads are capped at 8000 bytes: empty means "any"
		}
		list, _ := json.Marshal(subs)
		cctx, cancel := context.WithTimeout(ctx, notifyTimeout)
		// Relaxed commit (see relaxedSQL): a wake-up lost in a crash is
		// covered by polling.
		_, _ = n.pool.Exec(cctx, notifierSQL, string(list), n.instance, events)
		cancel()
		sleepCtx(ctx, remoteNotifyInterval)
	}
}

// close stops the goroutine; signals after close reach only Listen.
func (n *notifier) close() {
	n.onClose.Do(func() {
		n.stop()
		<-n.done
	})
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
