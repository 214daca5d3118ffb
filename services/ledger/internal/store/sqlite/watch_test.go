package sqlite_test

import (
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/storetest"
)

// TestWatchHorizon: once events after a cursor are deleted (the horizon
// moved past it), starting there and reading there are OUT_OF_RANGE.
func TestWatchHorizon(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ledger.db")
	s := open(t, path)
	ctx := testCtx(t)
	for _, id := range []string{"evt_1", "evt_2"} {
		if _, err := s.Record(ctx, storetest.Request("stripe", "", id, time.Now())); err != nil {
			t.Fatal(err)
		}
	}
	r := storetest.NewReader(t, s, store.WatchFrom{Time: &time.Time{}}, store.WatchQuery{Limit: 1})
	r.Until(t, "evt_1", func(seen []store.WatchedEvent) bool { return len(seen) == 1 })
	_, p1 := storetest.CursorPosition(t, r.Last)

	// Retention deleted evt_2: a stream at evt_1 has missed it.
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `UPDATE event_horizon SET id = $1`, p1.ID+1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WatchStart(ctx, store.WatchFrom{Cursor: r.Last}); !errors.Is(err, store.ErrCursorExpired) {
		t.Errorf("WatchStart(cursor before the horizon) = %v, want ErrCursorExpired", err)
	}
	if _, err := s.WatchEvents(ctx, store.WatchQuery{After: p1}); !errors.Is(err, store.ErrCursorExpired) {
		t.Errorf("WatchEvents(after a deleted event) = %v, want ErrCursorExpired", err)
	}
	if _, err := s.WatchEvents(ctx, store.WatchQuery{After: store.Position{ID: p1.ID + 1}}); err != nil {
		t.Errorf("WatchEvents(at the horizon) = %v", err)
	}
}
