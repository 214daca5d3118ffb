package postgres

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Channel is the LISTEN/NOTIFY channel of the outbox.
const Channel = "hookmesh_deliveries"

// EventsChannel is the LISTEN/NOTIFY channel of new events, for the event
// streams of other ledgers (see notifier). A channel of its own, so that
// listeners of Channel (dispatchers' ledgers, older ones included) are never
// woken by it.
const EventsChannel = "hookmesh_events"

// notifySQL is the select list of a CTE that sends one notification for a
// set of rows with a subscription column; statements append "FROM rel
// HAVING count(*) > 0" so nothing is sent when no row changed. NOTIFY is
// transactional: it is delivered at commit, never for a rolled-back change.
//
// The payload is JSON: {"schema": ..., "subscriptions": [...]}. Channels
// are per database, not per schema, so the schema lets a listener ignore
// the ledgers of other schemas in the same database (the tests run one per
// schema). Names are at most 63 bytes, but many subscriptions could pass
// NOTIFY's 8000-byte payload limit: past 7000 bytes the list is sent empty,
// which means "any".
const notifySQL = `SELECT pg_notify('` + Channel + `', json_build_object(
        'schema', current_schema(),
        'subscriptions', CASE WHEN sum(octet_length(subscription)) > 7000 THEN '[]'::json
                              ELSE json_agg(DISTINCT subscription) END)::text)`

// payload is the decoded notification. From is the sending store's
// instance id, set only by the notifier (see notifier): a store skips its
// own, having woken its Listen directly.
type payload struct {
	Schema        string   `json:"schema"`
	Subscriptions []string `json:"subscriptions"`
	From          string   `json:"from"`
	// Events is set for a notification on EventsChannel (not a payload
	// field: the channel says it).
	Events bool `json:"-"`
}

// Listen holds one dedicated connection (not from the pool, so it never
// takes a slot from the RPCs) listening on Channel, and calls notify for
// every notification of this store's schema. See store.Store. It listens
// on EventsChannel too, and wakes this store's event streams
// (EventsChanged) for every other ledger's new events, and once it
// listens, since events may have been recorded while it did not.
func (s *Store) Listen(ctx context.Context, notify func(subscriptions []string)) error {
	// Config returns a copy; the pool's search_path comes with it.
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return mapErr("listen: connect", err)
	}
	defer func() {
		// ctx may be done: close with a context of our own so the server
		// gets a clean Terminate.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	var schema string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return listenErr(ctx, "listen: read schema", err)
	}
	for _, ch := range []string{Channel, EventsChannel} {
		if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{ch}.Sanitize()); err != nil {
			return listenErr(ctx, "listen", err)
		}
	}
	// The connection's wait runs in its own goroutine, so this one can
	// also take the store's own signals (notifier) and call notify for
	// both, as Listen promises, on one goroutine.
	wctx, stop := context.WithCancel(ctx)
	remote := make(chan payload)
	waitErr := make(chan error, 1)
	var waiter sync.WaitGroup
	waiter.Go(func() {
		for {
			n, err := conn.WaitForNotification(wctx)
			if err != nil {
				waitErr <- err
				return
			}
			var p payload
			p.Events = n.Channel == EventsChannel
			if err := json.Unmarshal([]byte(n.Payload), &p); err != nil {
				// Not ours (someone else's NOTIFY on the channel): a
				// wake-up costs a claim, missing work a poll interval.
				p = payload{Schema: schema, Events: p.Events}
			}
			select {
			case remote <- p:
			case <-wctx.Done():
				waitErr <- nil
				return
			}
		}
	})
	defer waiter.Wait()
	defer stop()
	// Anything may have become due while nobody listened, including what
	// this store signalled meanwhile.
	s.notify.takeLocal()
	s.changes.Signal()
	notify(nil)
	for {
		select {
		case <-s.notify.lwake:
			if subs := s.notify.takeLocal(); len(subs) > 0 {
				notify(subs)
			}
		case p := <-remote:
			switch {
			case p.Schema != schema || p.From == s.notify.instance:
			case p.Events:
				s.changes.Signal()
			default:
				notify(p.Subscriptions)
			}
		case err := <-waitErr:
			return listenErr(ctx, "listen: wait", err)
		case <-ctx.Done():
			return nil
		}
	}
}

// listenErr is nil when ctx ended the wait: that is how Listen stops.
func listenErr(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return mapErr(op, err)
}
