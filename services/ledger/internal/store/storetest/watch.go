package storetest

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// CursorPosition decodes a cursor of either backend, failing t when it is
// not one. Exported for the backends' own stream tests.
func CursorPosition(t testing.TB, cursor string) (kind byte, p store.Position) {
	t.Helper()
	for _, kind := range []byte{store.CursorPostgres, store.CursorSQLite} {
		if p, err := store.ParseCursor(kind, cursor); err == nil {
			return kind, p
		}
	}
	t.Fatalf("%q is not a cursor", cursor)
	return 0, store.Position{}
}

// Reader reads a store's event stream as the ledger's WatchEvents does:
// page after page from WatchPage.Next, waiting for EventsChanged (or a
// short poll) when it has read everything. Exported for the backends' own
// stream tests.
type Reader struct {
	S store.Store
	Q store.WatchQuery
	// Seen are the events read, in order.
	Seen []store.WatchedEvent
	// Last is the cursor of the last event read ("" before the first).
	Last string
}

// NewReader starts a Reader at from.
func NewReader(t *testing.T, s store.Store, from store.WatchFrom, q store.WatchQuery) *Reader {
	t.Helper()
	after, err := s.WatchStart(ctx(t), from)
	if err != nil {
		t.Fatalf("WatchStart(%+v): %v", from, err)
	}
	q.After = after
	return &Reader{S: s, Q: q}
}

// Until reads until done(r.Seen) holds, failing t after a generous
// deadline; every event read must come after the one before it.
func (r *Reader) Until(t *testing.T, what string, done func([]store.WatchedEvent) bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !done(r.Seen) {
		if time.Now().After(deadline) {
			t.Fatalf("stream: %s: gave up after %d events", what, len(r.Seen))
		}
		changed := r.S.EventsChanged()
		page, err := r.Next(t)
		if err != nil {
			t.Fatalf("WatchEvents: %v", err)
		}
		if page.Full || done(r.Seen) {
			continue
		}
		wait := 200 * time.Millisecond
		if page.Pending {
			wait = 10 * time.Millisecond
		}
		select {
		case <-changed:
		case <-time.After(wait):
		}
	}
}

// Next reads one page and moves on past it.
func (r *Reader) Next(t *testing.T) (store.WatchPage, error) {
	t.Helper()
	page, err := r.S.WatchEvents(ctx(t), r.Q)
	if err != nil {
		return page, err
	}
	for _, e := range page.Events {
		if r.Last != "" {
			_, prev := CursorPosition(t, r.Last)
			if _, cur := CursorPosition(t, e.Cursor); !prev.Before(cur) {
				t.Fatalf("stream: event %s at %+v does not come after %+v", e.Event.GetEventId(), cur, prev)
			}
		}
		r.Seen, r.Last = append(r.Seen, e), e.Cursor
	}
	if _, next := CursorPosition(t, page.NextCursor); next != page.Next {
		t.Fatalf("NextCursor %q decodes to %+v, want Next %+v", page.NextCursor, next, page.Next)
	}
	r.Q.After = page.Next
	return page, nil
}

// ids returns the event ids of events.
func ids(events []store.WatchedEvent) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.Event.GetEventId()
	}
	return out
}

// hasAll reports whether events hold every id in want.
func hasAll(want []string) func([]store.WatchedEvent) bool {
	return func(events []store.WatchedEvent) bool {
		got := map[string]bool{}
		for _, e := range events {
			got[e.Event.GetEventId()] = true
		}
		for _, id := range want {
			if !got[id] {
				return false
			}
		}
		return true
	}
}

// exactlyOnce fails t unless events hold each id of want once and nothing
// else.
func exactlyOnce(t *testing.T, events []store.WatchedEvent, want []string) {
	t.Helper()
	count := map[string]int{}
	for _, e := range events {
		count[e.Event.GetEventId()]++
	}
	for _, id := range want {
		if count[id] != 1 {
			t.Errorf("event %s seen %d times, want once", id, count[id])
		}
		delete(count, id)
	}
	for id, n := range count {
		t.Errorf("event %s seen %d times, never recorded", id, n)
	}
}

// fromStart is a WatchFrom at the first event ever received.
func fromStart() store.WatchFrom { return store.WatchFrom{Time: &time.Time{}} }

// testWatchResume records events from several goroutines while a reader
// reads in small pages; the reader dies at a random point, keeping only
// the cursor of the last event it got, and a new one resumes there: every
// event is seen once, in stream order (Reader checks the order).
func testWatchResume(t *testing.T, s store.Store) {
	const writers, each = 6, 40
	var want []string
	for w := range writers {
		for i := range each {
			want = append(want, fmt.Sprintf("w%d_%d", w, i))
		}
	}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if _, err := s.Record(ctx(t), Request("stripe", "", fmt.Sprintf("w%d_%d", w, i), time.Now())); err != nil {
					t.Errorf("Record: %v", err)
					return
				}
			}
		})
	}
	first := NewReader(t, s, fromStart(), store.WatchQuery{Limit: 7})
	stopAt := 20 + rand.IntN(writers*each-40)
	first.Until(t, "first reader", func(seen []store.WatchedEvent) bool { return len(seen) >= stopAt })
	if first.Last == "" {
		t.Fatal("first reader saw no event")
	}
	second := NewReader(t, s, store.WatchFrom{Cursor: first.Last}, store.WatchQuery{Limit: 5})
	second.Until(t, "resumed reader", func(seen []store.WatchedEvent) bool {
		return len(first.Seen)+len(seen) >= len(want)
	})
	wg.Wait()
	// Anything more would be a duplicate: read once more after the writers
	// are done to give it its chance.
	if _, err := second.Next(t); err != nil {
		t.Fatal(err)
	}
	_, lastFirst := CursorPosition(t, first.Last)
	if len(second.Seen) > 0 {
		if _, p := CursorPosition(t, second.Seen[0].Cursor); !lastFirst.Before(p) {
			t.Errorf("resumed at %+v, not after %+v", p, lastFirst)
		}
	}
	exactlyOnce(t, append(first.Seen, second.Seen...), want)
}

// testWatchFilters reads one platform's and one type's events; the
// position moves past what the filter skips.
func testWatchFilters(t *testing.T, s store.Store) {
	stripe := NewReader(t, s, fromStart(), store.WatchQuery{Platform: "stripe", Limit: 2})
	refunds := NewReader(t, s, fromStart(), store.WatchQuery{EventType: int32(eventv1.EventType_EVENT_TYPE_PAYMENT_REFUNDED)})
	mustRecord(t, s, Typed("github", "g1", eventv1.EventType_EVENT_TYPE_CODE_PUSHED))
	mustRecord(t, s, Typed("stripe", "s1", eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED))
	mustRecord(t, s, Typed("github", "g2", eventv1.EventType_EVENT_TYPE_CODE_PUSHED))
	mustRecord(t, s, Typed("stripe", "s2", eventv1.EventType_EVENT_TYPE_PAYMENT_REFUNDED))
	mustRecord(t, s, Typed("github", "g3", eventv1.EventType_EVENT_TYPE_CODE_PUSHED))
	stripe.Until(t, "stripe events", hasAll([]string{"s1", "s2"}))
	refunds.Until(t, "refunds", hasAll([]string{"s2"}))
	if got := ids(stripe.Seen); len(got) != 2 || got[0] != "s1" || got[1] != "s2" {
		t.Errorf("platform filter: %v, want [s1 s2]", got)
	}
	if got := ids(refunds.Seen); len(got) != 1 {
		t.Errorf("type filter: %v, want [s2]", got)
	}
	// g3 does not match: once it is stable, the next read moves past it.
	all := NewReader(t, s, fromStart(), store.WatchQuery{})
	all.Until(t, "every event", hasAll([]string{"g3"}))
	_, g3 := CursorPosition(t, all.Last)
	deadline := time.Now().Add(20 * time.Second)
	for {
		page, err := stripe.Next(t)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Events) > 0 {
			t.Fatalf("platform filter: more events %v", ids(page.Events))
		}
		if !page.Next.Before(g3) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("filtered position %+v never moved past g3 at %+v", page.Next, g3)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// testWatchReceipts streams the raw receipt with each event when asked.
func testWatchReceipts(t *testing.T, s store.Store) {
	req := Request("stripe", "acct_1", "evt_r", base)
	mustRecord(t, s, req)
	r := NewReader(t, s, fromStart(), store.WatchQuery{Receipts: true})
	r.Until(t, "the event", hasAll([]string{"evt_r"}))
	e := r.Seen[0]
	checkReceipt(t, e.Receipt, req.GetReceipt())
	if e.Event.GetSource() != "acct_1" || e.Event.GetEvent().GetEventType() != eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED {
		t.Errorf("event = %v", e.Event)
	}
	bare := NewReader(t, s, fromStart(), store.WatchQuery{})
	bare.Until(t, "the event", hasAll([]string{"evt_r"}))
	if bare.Seen[0].Receipt != nil {
		t.Error("receipt streamed without being asked for")
	}
}

// stable waits until the stream's "now" is past every event recorded so
// far: on PostgreSQL an older transaction of another test can hold it back
// for a moment.
func stable(t *testing.T, s store.Store, eventID string) {
	t.Helper()
	NewReader(t, s, fromStart(), store.WatchQuery{}).Until(t, "stable "+eventID, hasAll([]string{eventID}))
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := NewReader(t, s, store.WatchFrom{}, store.WatchQuery{})
		if _, err := r.Next(t); err != nil {
			t.Fatal(err)
		}
		if len(r.Seen) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the stream's now stays before %s", eventID)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// testWatchStart starts now, and at a time.
func testWatchStart(t *testing.T, s store.Store) {
	t0 := time.Now().Add(-time.Hour)
	mustRecord(t, s, Request("stripe", "", "old1", t0.Add(-2*time.Minute)))
	mustRecord(t, s, Request("stripe", "", "old2", t0.Add(-time.Minute)))
	stable(t, s, "old2")
	now := NewReader(t, s, store.WatchFrom{}, store.WatchQuery{})
	mustRecord(t, s, Request("stripe", "", "new1", t0))
	mustRecord(t, s, Request("stripe", "", "new2", t0.Add(time.Minute)))
	now.Until(t, "events after now", hasAll([]string{"new1", "new2"}))
	exactlyOnce(t, now.Seen, []string{"new1", "new2"})

	stable(t, s, "new2")
	at := NewReader(t, s, store.WatchFrom{Time: &t0}, store.WatchQuery{})
	at.Until(t, "events from t0", hasAll([]string{"new1", "new2"}))
	exactlyOnce(t, at.Seen, []string{"new1", "new2"})
	late := t0.Add(time.Hour)
	after := NewReader(t, s, store.WatchFrom{Time: &late}, store.WatchQuery{})
	mustRecord(t, s, Request("stripe", "", "new3", t0))
	after.Until(t, "the next event", hasAll([]string{"new3"}))
	exactlyOnce(t, after.Seen, []string{"new3"})
}

// testWatchCursors refuses what is not a cursor of this store, or one
// ahead of its events.
func testWatchCursors(t *testing.T, s store.Store) {
	mustRecord(t, s, Request("stripe", "", "evt_1", base))
	r := NewReader(t, s, fromStart(), store.WatchQuery{})
	r.Until(t, "the event", hasAll([]string{"evt_1"}))
	kind, p := CursorPosition(t, r.Last)
	other, ahead := store.CursorPostgres, store.Position{ID: p.ID + 1000}
	if kind == store.CursorPostgres {
		other, ahead = store.CursorSQLite, store.Position{Xid: p.Xid + 1<<32, ID: p.ID}
	}
	for name, c := range map[string]string{
		"garbage":       "not-a-cursor",
		"truncated":     r.Last[:len(r.Last)-2],
		"other backend": store.EncodeCursor(other, store.Position{ID: p.ID}),
		"ahead":         store.EncodeCursor(kind, ahead),
	} {
		_, err := s.WatchStart(ctx(t), store.WatchFrom{Cursor: c})
		wantErr(t, name, err, apperr.ErrInvalid)
	}
	after, err := s.WatchStart(ctx(t), store.WatchFrom{Cursor: r.Last})
	if err != nil || after != p {
		t.Errorf("WatchStart(own cursor) = %+v, %v; want %+v", after, err, p)
	}
}

// testWatchWakes closes EventsChanged's channel when an event is recorded.
func testWatchWakes(t *testing.T, s store.Store) {
	for i := range 3 {
		changed := s.EventsChanged()
		mustRecord(t, s, Request("stripe", "", "evt_"+strconv.Itoa(i), time.Now()))
		select {
		case <-changed:
		case <-time.After(10 * time.Second):
			t.Fatalf("Record %d woke no stream", i)
		}
	}
}
