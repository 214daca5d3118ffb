package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres/pgtest"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/storetest"
)

func fromStart() store.WatchFrom { return store.WatchFrom{Time: &time.Time{}} }

// TestWatchWaitsForOlderTransaction is the case an "id > last id" reader
// gets wrong: a transaction inserts an event (taking the smaller id) and
// commits after a later Record. The stream must not pass the later event
// while the older transaction runs, and must then deliver both, the older
// transaction's first.
func TestWatchWaitsForOlderTransaction(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	s := postgres.New(pool)
	t.Cleanup(s.Close)
	ctx := testCtx(t)

	slow, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = slow.Rollback(context.Background()) }()
	if _, err := slow.Exec(ctx, `
WITH id AS (SELECT (floor(extract(epoch FROM now()) / 86400)::bigint << 36) | nextval('event_seq') AS id),
rc AS (INSERT INTO receipts (receipt_id, platform, event_id, body, received_at, part_id)
            SELECT gen_random_uuid(), 'stripe', 'evt_slow', '\x7b7d', now(), id >> 36 << 36 FROM id RETURNING receipt_id)
INSERT INTO events (id, platform, event_id, receipt_id, received_at) SELECT id, 'stripe', 'evt_slow', receipt_id, now() FROM rc, id`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Record(ctx, storetest.Request("stripe", "", "evt_fast", time.Now())); err != nil {
		t.Fatal(err)
	}

	r := storetest.NewReader(t, s, fromStart(), store.WatchQuery{})
	page, err := r.Next(t)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Events) != 0 {
		t.Fatalf("read %s while an older transaction was running: a reader moving past it would miss evt_slow",
			page.Events[0].Event.GetEventId())
	}
	if !page.Pending {
		t.Error("a committed event waits for an older transaction, and the page does not say Pending")
	}
	if err := slow.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	r.Until(t, "both events", func(seen []store.WatchedEvent) bool { return len(seen) >= 2 })
	if a, b := r.Seen[0].Event.GetEventId(), r.Seen[1].Event.GetEventId(); a != "evt_slow" || b != "evt_fast" {
		t.Errorf("stream order %s, %s; want evt_slow (older transaction) first", a, b)
	}
}

// TestWatchHorizon: once events after a cursor are deleted (the horizon
// moved past it), starting there and reading there are OUT_OF_RANGE.
func TestWatchHorizon(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	s := postgres.New(pool)
	t.Cleanup(s.Close)
	ctx := testCtx(t)
	for _, id := range []string{"evt_1", "evt_2"} {
		if _, err := s.Record(ctx, storetest.Request("stripe", "", id, time.Now())); err != nil {
			t.Fatal(err)
		}
	}
	r := storetest.NewReader(t, s, fromStart(), store.WatchQuery{Limit: 1})
	r.Until(t, "evt_1", func(seen []store.WatchedEvent) bool { return len(seen) == 1 })
	first := r.Last
	_, p1 := storetest.CursorPosition(t, first)

	// Retention deleted evt_1 (its position is the horizon now).
	if _, err := pool.Exec(ctx, `UPDATE event_horizon SET xid = $1::xid8, id = $2`, p1.Xid, p1.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WatchStart(ctx, store.WatchFrom{Cursor: first}); err != nil {
		t.Errorf("WatchStart(cursor at the horizon) = %v; nothing after it was deleted", err)
	}
	r.Until(t, "evt_2", func(seen []store.WatchedEvent) bool { return len(seen) == 2 })

	// Now evt_2 too: a stream still at evt_1 has missed it.
	_, p2 := storetest.CursorPosition(t, r.Last)
	if _, err := pool.Exec(ctx, `UPDATE event_horizon SET xid = $1::xid8, id = $2`, p2.Xid, p2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WatchStart(ctx, store.WatchFrom{Cursor: first}); !errors.Is(err, store.ErrCursorExpired) {
		t.Errorf("WatchStart(cursor before the horizon) = %v, want ErrCursorExpired", err)
	}
	if _, err := s.WatchEvents(ctx, store.WatchQuery{After: p1}); !errors.Is(err, store.ErrCursorExpired) {
		t.Errorf("WatchEvents(after a deleted event) = %v, want ErrCursorExpired", err)
	}
}

// TestWatchAcrossLedgers runs two stores (two ledgers) on one schema: one
// records, the other's streams are woken through NOTIFY (sent with the
// deliveries' notification) and read the events, and a stream resumes on
// the other ledger from its cursor, reaching by its poll an event that
// made no delivery.
func TestWatchAcrossLedgers(t *testing.T) {
	t.Parallel()
	cfg := pgtest.NewConfig(t)
	open := func() *postgres.Store {
		pool, err := pgxpool.NewWithConfig(testCtx(t), cfg.Copy())
		if err != nil {
			t.Fatal(err)
		}
		s := postgres.New(pool)
		t.Cleanup(s.Close)
		return s
	}
	a, b := open(), open()
	sub := storetest.Subscription("billing")
	sub.Platforms = []string{"stripe"}
	if _, err := a.CreateSubscription(testCtx(t), &ledgerv1.CreateSubscriptionRequest{Subscription: sub}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	listening := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		first := true
		done <- b.Listen(ctx, func([]string) {
			if first {
				first = false
				close(listening)
			}
		})
	}()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-listening:
	case <-time.After(10 * time.Second):
		t.Fatal("Listen never listened")
	}

	for i, id := range []string{"evt_1", "evt_2"} {
		changed := b.EventsChanged()
		if _, err := a.Record(testCtx(t), storetest.Request("stripe", "", id, time.Now())); err != nil {
			t.Fatal(err)
		}
		select {
		case <-changed:
		case <-time.After(10 * time.Second):
			t.Fatalf("Record %d on one ledger woke no stream of the other", i)
		}
	}
	if _, err := a.Record(testCtx(t), storetest.Request("github", "", "evt_3", time.Now())); err != nil {
		t.Fatal(err)
	}
	onA := storetest.NewReader(t, a, fromStart(), store.WatchQuery{Limit: 1})
	onA.Until(t, "evt_1 on a", func(seen []store.WatchedEvent) bool { return len(seen) == 1 })
	onB := storetest.NewReader(t, b, store.WatchFrom{Cursor: onA.Last}, store.WatchQuery{})
	onB.Until(t, "evt_2 and evt_3 on b", func(seen []store.WatchedEvent) bool { return len(seen) == 2 })
	if got := onB.Seen[0].Event.GetEventId(); got != "evt_2" {
		t.Errorf("resumed on the other ledger at %s, want evt_2", got)
	}
}
