package sqlite_test

import (
	"path/filepath"
	"testing"
	"time"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/ledger/internal/retention"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/storetest"
)

// TestRetentionSkipsRenormalizing: an unnormalized event whose body
// retention cleared is not scheduled for re-normalization again (an empty
// body cannot be normalized); one with its body is.
func TestRetentionSkipsRenormalizing(t *testing.T) {
	t.Parallel()
	s := open(t, filepath.Join(t.TempDir(), "ledger.db"))
	ctx := t.Context()
	now := time.Now()
	for id, age := range map[string]time.Duration{"evt_old": 10 * 24 * time.Hour, "evt_new": time.Hour} {
		req := storetest.Request("stripe", "", id, now.Add(-age))
		req.Event, req.NormalizationError = nil, "rejected"
		if _, err := s.Record(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	p, err := retention.Parse("bodies=7d")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Retain(ctx, p, now, false)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Tables[0].Table != "receipts" || rep.Tables[0].Rows != 1 {
		t.Fatalf("report = %+v, want one body cleared", rep.Tables)
	}
	resp, err := s.RenormalizeEvents(ctx, &ledgerv1.RenormalizeEventsRequest{Platform: "stripe", Limit: 10})
	if err != nil || resp.GetScheduled() != 1 {
		t.Errorf("RenormalizeEvents = %v, %v; want only the event with a body", resp, err)
	}
	resp, err = s.RenormalizeEvents(ctx, &ledgerv1.RenormalizeEventsRequest{Platform: "stripe", EventId: "evt_old"})
	if err != nil || resp.GetScheduled() != 0 {
		t.Errorf("RenormalizeEvents(evt_old) = %v, %v; want 0 (body cleared)", resp, err)
	}
}

// TestRetentionSizes: exact row counts, the tables' pages and the oldest
// event's receipt time.
func TestRetentionSizes(t *testing.T) {
	t.Parallel()
	s := open(t, filepath.Join(t.TempDir(), "ledger.db"))
	ctx := t.Context()
	sz, err := s.RetentionSizes(ctx)
	if err != nil || !sz.OldestEvent.IsZero() || len(sz.Tables) != 5 {
		t.Fatalf("RetentionSizes of an empty store = %+v, %v", sz, err)
	}
	oldest := time.Now().Add(-48 * time.Hour).Truncate(time.Microsecond)
	for id, at := range map[string]time.Time{"evt_1": oldest, "evt_2": time.Now()} {
		if _, err := s.Record(ctx, storetest.Request("stripe", "", id, at)); err != nil {
			t.Fatal(err)
		}
	}
	if sz, err = s.RetentionSizes(ctx); err != nil {
		t.Fatal(err)
	}
	if !sz.OldestEvent.Equal(oldest) {
		t.Errorf("OldestEvent = %v, want %v", sz.OldestEvent, oldest)
	}
	for _, ts := range sz.Tables {
		want := map[string]int64{"receipts": 2, "events": 2}[ts.Table]
		if ts.Rows != want || ts.Bytes <= 0 {
			t.Errorf("%s: %d rows, %d bytes; want %d rows and its pages", ts.Table, ts.Rows, ts.Bytes, want)
		}
	}
}
