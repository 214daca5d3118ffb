package store

import (
	"errors"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
)

func TestPrepareRedeliver(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	from := now.Add(-time.Hour)
	for _, c := range []struct {
		name    string
		to      *timestamppb.Timestamp
		wantTo  time.Time
		wantErr bool
	}{
		{"default to", nil, now, false},
		{"given to", timestamppb.New(now.Add(-time.Minute)), now.Add(-time.Minute), false},
		{"to in the future is now", timestamppb.New(now.Add(time.Hour)), now, false},
		{"to before from", timestamppb.New(from.Add(-time.Second)), time.Time{}, true},
		{"to equal to from", timestamppb.New(from), time.Time{}, true},
	} {
		j, err := PrepareRedeliver(&ledgerv1.RedeliverSubscriptionRequest{Name: "a", From: timestamppb.New(from), To: c.to}, now)
		if (err != nil) != c.wantErr || (err == nil && (!j.To.Equal(c.wantTo) || !j.From.Equal(from) || j.Kind != JobRedeliver || j.State != JobRunning)) {
			t.Errorf("%s: %+v, %v; want to %v (error %v)", c.name, j, err, c.wantTo, c.wantErr)
		}
		if err != nil && !errors.Is(err, apperr.ErrInvalid) {
			t.Errorf("%s: %v; want ErrInvalid", c.name, err)
		}
	}
	for name, req := range map[string]*ledgerv1.RedeliverSubscriptionRequest{
		"no name":    {From: timestamppb.New(from)},
		"no from":    {Name: "a"},
		"bad filter": {Name: "a", From: timestamppb.New(from), Filter: "payload.x +"},
	} {
		if _, err := PrepareRedeliver(req, now); !errors.Is(err, apperr.ErrInvalid) {
			t.Errorf("%s: %v; want ErrInvalid", name, err)
		}
	}
}

func TestJobDeliveries(t *testing.T) {
	enc := func(sourceType string) []byte {
		b, err := proto.Marshal(&eventv1.NormalizedEvent{Platform: "stripe", SourceEventType: sourceType, EventType: eventv1.EventType_EVENT_TYPE_UNMAPPED})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	events := []JobEvent{
		{RowID: 1, Platform: "stripe", EventID: "new", Normalized: enc("invoice.paid"), Body: []byte(`{"n":1}`)},
		{RowID: 2, Platform: "stripe", EventID: "seen", Normalized: enc("invoice.paid"), Body: []byte(`{"n":2}`), PrevID: "d2", PrevGeneration: 1},
		{RowID: 3, Platform: "stripe", EventID: "other", Normalized: enc("invoice.created"), Body: []byte(`{"n":3}`), PrevID: "d3"},
		{RowID: 4, Platform: "stripe", EventID: "nokey", Normalized: enc("invoice.paid"), Body: []byte(`{}`), PrevID: "d4"},
	}
	type got struct {
		id, prev string
		gen      int32
	}
	collect := func(ds []JobDelivery) []got {
		var out []got
		for _, d := range ds {
			out = append(out, got{d.Event.EventID, d.RedeliveryOf, d.Generation})
		}
		return out
	}
	check := func(what string, ds []JobDelivery, want ...got) {
		t.Helper()
		g := collect(ds)
		if len(g) != len(want) {
			t.Fatalf("%s: %v; want %v", what, g, want)
		}
		for i := range g {
			if g[i] != want[i] {
				t.Errorf("%s: %v; want %v", what, g, want)
			}
		}
	}
	check("redeliver, no filters", JobDeliveries(JobRow{Kind: JobRedeliver}, "", "", events),
		got{"new", "", 0}, got{"seen", "d2", 2}, got{"other", "d3", 1}, got{"nokey", "d4", 1})
	check("backfill: only events without a delivery", JobDeliveries(JobRow{Kind: JobBackfill}, "", "", events), got{"new", "", 0})
	// Both filters apply; an evaluation error (payload.n on {}) skips.
	check("redeliver, both filters", JobDeliveries(JobRow{Kind: JobRedeliver, Filter: `payload.n > 1.0`}, `source_type == "invoice.paid"`, "", events),
		got{"seen", "d2", 2})

	// An ordered subscription's deliveries carry their keys; an event
	// whose key fails (payload.n on {}) is skipped.
	keyed := JobDeliveries(JobRow{Kind: JobRedeliver}, "", `source_type + "/" + string(payload.n)`, events)
	check("redeliver, ordered", keyed, got{"new", "", 0}, got{"seen", "d2", 2}, got{"other", "d3", 1})
	for i, want := range []string{"invoice.paid/1", "invoice.paid/2", "invoice.created/3"} {
		if keyed[i].Key != want {
			t.Errorf("ordered: %s's key %q, want %q", keyed[i].Event.EventID, keyed[i].Key, want)
		}
	}
	for _, d := range JobDeliveries(JobRow{Kind: JobRedeliver}, "", "", events) {
		if d.Key != "" {
			t.Errorf("unordered: %s has key %q", d.Event.EventID, d.Key)
		}
	}
}

func TestJobAdvance(t *testing.T) {
	at := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	j := JobRow{State: JobRunning, Scanned: 10, Created: 4}
	full := JobAdvance(j, []JobEvent{{RowID: 7, ReceivedAt: at.Add(-time.Second)}, {RowID: 9, ReceivedAt: at}}, 1, 2)
	if full.State != JobRunning || full.Scanned != 12 || full.Created != 5 || full.CursorID != 9 || !full.CursorAt.Equal(at) {
		t.Errorf("a full batch: %+v; want running, cursor (at, 9), 12 scanned, 5 created", full)
	}
	if last := JobAdvance(j, []JobEvent{{RowID: 9, ReceivedAt: at}}, 0, 2); last.State != JobDone {
		t.Errorf("a short batch: state %d; want done", last.State)
	}
	if empty := JobAdvance(j, nil, 0, 2); empty.State != JobDone || empty.CursorAt != nil {
		t.Errorf("an empty batch: %+v; want done, cursor unchanged", empty)
	}
}
