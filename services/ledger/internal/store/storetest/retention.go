package storetest

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/ledger/internal/retention"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// The retention cases: what a pass drops, what it must keep, and that
// dedup outlives what it drops. Old events are recorded with an old
// receive time (the receipt's received_at, which ages are judged by), and
// the pass runs as of the real now.

// retentionCases are added to Run's list.
var retentionCases = []struct {
	name string
	fn   func(*testing.T, store.Store)
}{
	{"RetentionDrops", testRetentionDrops},
	{"RetentionKeepsUnfinished", testRetentionKeepsUnfinished},
	{"RetentionDedup", testRetentionDedup},
	{"RetentionDryRun", testRetentionDryRun},
	{"RetentionPlatformOverride", testRetentionPlatformOverride},
	{"RetentionConcurrentRecords", testRetentionConcurrentRecords},
	{"RetentionStream", testRetentionStream},
	{"RetentionBatchKeepsReceipt", testRetentionBatchKeepsReceipt},
}

const day = 24 * time.Hour

// retainer returns s as a retention.Store; every store must implement it.
func retainer(t *testing.T, s store.Store) retention.Store {
	t.Helper()
	r, ok := s.(retention.Store)
	if !ok {
		t.Fatalf("store %T does not implement retention.Store", s)
	}
	return r
}

func mustRetain(t *testing.T, r retention.Store, policy string, now time.Time, dryRun bool) retention.Report {
	t.Helper()
	p, err := retention.Parse(policy)
	if err != nil {
		t.Fatalf("Parse(%q): %v", policy, err)
	}
	rep, err := r.Retain(ctx(t), p, now, dryRun)
	if err != nil {
		t.Fatalf("Retain(%q, dry run %v): %v", policy, dryRun, err)
	}
	if rep.DryRun != dryRun {
		t.Errorf("Report.DryRun = %v, want %v", rep.DryRun, dryRun)
	}
	return rep
}

// rowsOf is the rows a report counts for table.
func rowsOf(rep retention.Report, table string) int64 {
	for _, tr := range rep.Tables {
		if tr.Table == table {
			return tr.Rows
		}
	}
	return 0
}

// gone fails unless the event is not found.
func gone(t *testing.T, s store.Store, platform, eventID string) {
	t.Helper()
	_, err := s.GetEvent(ctx(t), &ledgerv1.GetEventRequest{Platform: platform, EventId: eventID})
	if !errors.Is(err, apperr.ErrNotFound) {
		t.Errorf("GetEvent(%s/%s) after retention: %v, want not found", platform, eventID, err)
	}
}

// bodyState fails unless the event is stored with its body (kept) or
// with an empty body and no headers (cleared).
func bodyState(t *testing.T, s store.Store, platform, eventID string, kept bool) {
	t.Helper()
	got := mustGet(t, s, platform, "", eventID)
	rc := got.GetReceipt()
	if kept && (len(rc.GetBody()) == 0 || len(rc.GetHeaders()) == 0) {
		t.Errorf("%s/%s: body %q headers %v, want them kept", platform, eventID, rc.GetBody(), rc.GetHeaders())
	}
	if !kept && (len(rc.GetBody()) != 0 || len(rc.GetHeaders()) != 0) {
		t.Errorf("%s/%s: body %q headers %v, want them cleared", platform, eventID, rc.GetBody(), rc.GetHeaders())
	}
	if got.GetEvent().GetEvent().GetEventId() != eventID {
		t.Errorf("%s/%s: event %v, want it readable", platform, eventID, got.GetEvent())
	}
}

func testRetentionDrops(t *testing.T, s store.Store) {
	r := retainer(t, s)
	now := time.Now()
	mustCreate(t, s, Subscription("done"))
	mustRecord(t, s, Request("stripe", "", "evt_old", now.Add(-40*day)))
	// A delivered delivery, with its history: finished, so it goes too.
	mustRecord(t, s, Request("stripe", "", "evt_old_delivered", now.Add(-40*day)))
	for _, l := range claim(t, s, "d1", 10) {
		complete(t, s, l)
	}
	mustRecord(t, s, Request("stripe", "", "evt_mid", now.Add(-10*day)))
	mustRecord(t, s, Request("stripe", "", "evt_new", now.Add(-time.Hour)))
	for _, l := range claim(t, s, "d1", 10) {
		complete(t, s, l)
	}

	rep := mustRetain(t, r, "bodies=7d events=30d", now, false)
	gone(t, s, "stripe", "evt_old")
	gone(t, s, "stripe", "evt_old_delivered")
	if _, err := s.ListDeliveries(ctx(t), &ledgerv1.ListDeliveriesRequest{Platform: "stripe", EventId: "evt_old_delivered"}); !errors.Is(err, apperr.ErrNotFound) {
		t.Errorf("ListDeliveries of a dropped event: %v, want not found", err)
	}
	bodyState(t, s, "stripe", "evt_mid", false)
	bodyState(t, s, "stripe", "evt_new", true)
	if n := len(deliveriesOf(t, s, "stripe", "evt_mid")); n != 1 {
		t.Errorf("deliveries of a body-dropped event = %d, want 1 (kept)", n)
	}
	for table, want := range map[string]int64{"events": 2, "deliveries": 2, "delivery_attempts": 2} {
		if got := rowsOf(rep, table); got != want {
			t.Errorf("report: %s rows = %d, want %d (%+v)", table, got, want, rep.Tables)
		}
	}
	// Two receipts deleted with their events, one body cleared.
	if got := rowsOf(rep, "receipts"); got != 3 {
		t.Errorf("report: receipts rows = %d, want 3 (%+v)", got, rep.Tables)
	}
	if rep.Kept != 0 {
		t.Errorf("report: kept = %d, want 0", rep.Kept)
	}
	if n := countEvents(t, s, &ledgerv1.ListEventsRequest{Platform: "stripe"}); n != 2 {
		t.Errorf("events left = %d, want 2", n)
	}
	// A second pass finds nothing left to do.
	again := mustRetain(t, r, "bodies=7d events=30d", now, false)
	for _, tr := range again.Tables {
		if tr.Rows != 0 {
			t.Errorf("second pass dropped %d rows of %s, want 0", tr.Rows, tr.Table)
		}
	}
}

func testRetentionKeepsUnfinished(t *testing.T, s store.Store) {
	r := retainer(t, s)
	now := time.Now()
	mustCreate(t, s, Subscription("keep"))
	// A dead letter, then a pending delivery, both older than any limit.
	mustRecord(t, s, Request("stripe", "", "evt_dead", now.Add(-60*day)))
	leases := claim(t, s, "d1", 10)
	if len(leases) != 1 {
		t.Fatalf("claimed %d, want 1", len(leases))
	}
	deadLetter(t, s, leases[0], "refused")
	mustRecord(t, s, Request("stripe", "", "evt_pending", now.Add(-60*day)))
	mustRecord(t, s, Request("stripe", "", "evt_done", now.Add(-60*day)))
	for _, l := range claim(t, s, "d1", 10) {
		if l.GetDelivery().GetEventId() == "evt_done" {
			complete(t, s, l)
		}
	}

	rep := mustRetain(t, r, "bodies=1d events=2d dedup=1d", now, false)
	gone(t, s, "stripe", "evt_done")
	for _, id := range []string{"evt_dead", "evt_pending"} {
		bodyState(t, s, "stripe", id, true)
		ds := deliveriesOf(t, s, "stripe", id)
		if len(ds) != 1 {
			t.Fatalf("%s: %d deliveries, want 1", id, len(ds))
		}
	}
	if st := deliveriesOf(t, s, "stripe", "evt_dead")[0].GetState(); st != ledgerv1.DeliveryState_DELIVERY_STATE_DEAD {
		t.Errorf("dead letter's state = %v", st)
	}
	if len(deliveriesOf(t, s, "stripe", "evt_dead")[0].GetHistory()) == 0 {
		t.Error("the dead letter lost its history")
	}
	if rep.Kept < 2 {
		t.Errorf("report: kept = %d, want at least 2", rep.Kept)
	}
	dl, err := s.ListDeadLetters(ctx(t), &ledgerv1.ListDeadLettersRequest{})
	if err != nil || len(dl.GetDeadLetters()) != 1 {
		t.Fatalf("ListDeadLetters = %v, %v; want the dead letter", dl, err)
	}
	if _, err := s.ReplayDeadLetter(ctx(t), &ledgerv1.ReplayDeadLetterRequest{Id: dl.GetDeadLetters()[0].GetDeliveryId()}); err != nil {
		t.Fatalf("ReplayDeadLetter after retention: %v", err)
	}
	// Claimed after retention (the pending one's lease released), the kept
	// deliveries carry their event and payload.
	if _, err := s.ReleaseLeases(ctx(t), &ledgerv1.ReleaseLeasesRequest{DispatcherId: "d1"}); err != nil {
		t.Fatalf("ReleaseLeases: %v", err)
	}
	leases = claim(t, s, "d1", 10)
	if len(leases) != 2 {
		t.Fatalf("claimed %d after retention, want the replayed dead letter and the pending delivery", len(leases))
	}
	for _, l := range leases {
		if l.GetEvent().GetEventId() != l.GetDelivery().GetEventId() || len(l.GetPayload()) == 0 {
			t.Errorf("lease of a kept delivery: event %v payload %q", l.GetEvent(), l.GetPayload())
		}
	}
}

func testRetentionDedup(t *testing.T, s store.Store) {
	r := retainer(t, s)
	now := time.Now()
	bodyOnly := Request("stripe", "", "evt_body_dropped", now.Add(-36*time.Hour))
	eventDropped := Request("stripe", "", "evt_dropped", now.Add(-5*day))
	pastHorizon := Request("stripe", "", "evt_past_horizon", now.Add(-20*day))
	batchItem := Request("sendgrid", "", "sg-old", now.Add(-5*day))
	for _, req := range []*ledgerv1.RecordRequest{bodyOnly, eventDropped, pastHorizon, batchItem} {
		mustRecord(t, s, req)
	}
	mustRetain(t, r, "bodies=1d events=2d dedup=10d", now, false)
	bodyState(t, s, "stripe", "evt_body_dropped", false)
	gone(t, s, "stripe", "evt_dropped")
	gone(t, s, "stripe", "evt_past_horizon")

	for _, first := range []*ledgerv1.RecordRequest{bodyOnly, eventDropped} {
		id := first.GetReceipt().GetEventId()
		retry := Request("stripe", "", id, now)
		resp := mustRecord(t, s, retry)
		if !resp.GetDuplicate() || resp.GetReceiptId() != first.GetReceipt().GetReceiptId() {
			t.Errorf("retry of %s = %v, want a duplicate of receipt %s", id, resp, first.GetReceipt().GetReceiptId())
		}
		// The very request that created it, retried, is still not a
		// duplicate.
		if again := mustRecord(t, s, first); again.GetDuplicate() {
			t.Errorf("the first request of %s retried = %v, want no duplicate", id, again)
		}
	}
	gone(t, s, "stripe", "evt_dropped")
	// A batch item whose event was dropped is a duplicate too.
	gone(t, s, "sendgrid", "sg-old")
	resp := mustRecord(t, s, batchRequest("batch:1", "sg-old", "sg-new"))
	if resp.GetNewEvents() != 1 || resp.GetEvents() != 2 {
		t.Errorf("batch with a dropped item = %v, want 1 new of 2", resp)
	}
	gone(t, s, "sendgrid", "sg-old")
	mustGet(t, s, "sendgrid", "", "sg-new")
	// Beyond the horizon the key is forgotten: the event is new again.
	resp = mustRecord(t, s, Request("stripe", "", "evt_past_horizon", now))
	if resp.GetDuplicate() {
		t.Errorf("retry of an event beyond the dedup horizon = %v, want a new event", resp)
	}
	mustGet(t, s, "stripe", "", "evt_past_horizon")
}

func testRetentionDryRun(t *testing.T, s store.Store) {
	r := retainer(t, s)
	now := time.Now()
	for i := range 5 {
		mustRecord(t, s, Request("stripe", "", "evt_old_"+strconv.Itoa(i), now.Add(-40*day)))
		mustRecord(t, s, Request("stripe", "", "evt_mid_"+strconv.Itoa(i), now.Add(-10*day)))
	}
	const policy = "bodies=7d events=30d"
	dry := mustRetain(t, r, policy, now, true)
	if got := rowsOf(dry, "events"); got != 5 {
		t.Errorf("dry run: events rows = %d, want 5", got)
	}
	if got := rowsOf(dry, "receipts"); got != 10 {
		t.Errorf("dry run: receipts rows = %d, want 10 (5 deleted, 5 bodies)", got)
	}
	if len(dry.ExportFiles) != 0 {
		t.Errorf("dry run exported %v", dry.ExportFiles)
	}
	for i := range 5 {
		bodyState(t, s, "stripe", "evt_old_"+strconv.Itoa(i), true)
		bodyState(t, s, "stripe", "evt_mid_"+strconv.Itoa(i), true)
	}
	// The pass does what the dry run said.
	real := mustRetain(t, r, policy, now, false)
	for _, tr := range dry.Tables {
		if got := rowsOf(real, tr.Table); got != tr.Rows {
			t.Errorf("%s: pass dropped %d rows, the dry run said %d", tr.Table, got, tr.Rows)
		}
	}
	gone(t, s, "stripe", "evt_old_0")
	bodyState(t, s, "stripe", "evt_mid_0", false)
}

func testRetentionPlatformOverride(t *testing.T, s store.Store) {
	r := retainer(t, s)
	now := time.Now()
	for _, p := range []string{"stripe", "github", "shopify"} {
		mustRecord(t, s, Request(p, "", "evt_5d", now.Add(-5*day)))
	}
	mustRetain(t, r, "bodies=30d events=90d stripe.bodies=1d shopify.events=2d", now, false)
	bodyState(t, s, "stripe", "evt_5d", false)
	bodyState(t, s, "github", "evt_5d", true)
	gone(t, s, "shopify", "evt_5d")
}

// testRetentionConcurrentRecords runs a pass of several batches while
// webhooks keep arriving: every Record succeeds and nothing new is lost.
func testRetentionConcurrentRecords(t *testing.T, s store.Store) {
	r := retainer(t, s)
	now := time.Now()
	const old, workers, perWorker = 1200, 4, 100
	for i := range old {
		mustRecord(t, s, Request("stripe", "", fmt.Sprintf("evt_old_%d", i), now.Add(-40*day+time.Duration(i)*time.Second)))
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers+1)
	var rep retention.Report
	wg.Go(func() {
		p, _ := retention.Parse("bodies=7d events=30d")
		var err error
		if rep, err = r.Retain(ctx(t), p, now, false); err != nil {
			errs <- fmt.Errorf("Retain: %w", err)
		}
	})
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				id := fmt.Sprintf("evt_new_%d_%d", w, i)
				if _, err := s.Record(ctx(t), Request("stripe", "", id, time.Now())); err != nil {
					errs <- fmt.Errorf("Record(%s) during retention: %w", id, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := rowsOf(rep, "events"); got != old {
		t.Errorf("pass dropped %d events, want %d", got, old)
	}
	if n := countEvents(t, s, &ledgerv1.ListEventsRequest{Platform: "stripe"}); n != workers*perWorker {
		t.Errorf("events after the pass = %d, want the %d new ones", n, workers*perWorker)
	}
}

// testRetentionStream: a stream whose cursor lies before a deleted event
// is refused with OUT_OF_RANGE (it would silently miss it otherwise); one
// started after the pass reads the kept event with its body cleared.
func testRetentionStream(t *testing.T, s store.Store) {
	r := retainer(t, s)
	now := time.Now()
	mustRecord(t, s, Request("stripe", "", "evt_old", now.Add(-40*day)))
	mustRecord(t, s, Request("stripe", "", "evt_mid", now.Add(-10*day)))
	long := now.Add(-365 * day)
	before := NewReader(t, s, store.WatchFrom{Time: &long}, store.WatchQuery{Receipts: true})
	mustRetain(t, r, "bodies=7d events=30d", now, false)
	if _, err := before.Next(t); !errors.Is(err, apperr.ErrOutOfRange) {
		t.Errorf("WatchEvents from before a deleted event: %v, want OUT_OF_RANGE", err)
	}
	after := NewReader(t, s, store.WatchFrom{Time: &long}, store.WatchQuery{Receipts: true})
	after.Until(t, "the kept event", func(seen []store.WatchedEvent) bool { return len(seen) >= 1 })
	if e := after.Seen[0]; e.Event.GetEventId() != "evt_mid" || len(e.Receipt.GetBody()) != 0 {
		t.Errorf("stream after the pass: %s with body %q, want evt_mid with its body cleared", e.Event.GetEventId(), e.Receipt.GetBody())
	}
}

// testRetentionBatchKeepsReceipt: the items of a batched delivery share
// one receipt. When one item is finished and another is unfinished work,
// the finished one goes but the receipt, which the unfinished one still
// delivers from, keeps its body.
func testRetentionBatchKeepsReceipt(t *testing.T, s store.Store) {
	r := retainer(t, s)
	now := time.Now()
	mustCreate(t, s, Subscription("keep"))
	req := Request("sendgrid", "", "batch:old", now.Add(-60*day))
	for _, id := range []string{"sg-done", "sg-dead"} {
		ev := proto.Clone(req.GetEvent()).(*eventv1.NormalizedEvent)
		ev.EventId = id
		req.Events = append(req.Events, ev)
	}
	mustRecord(t, s, req)
	leases := claim(t, s, "d1", 10)
	if len(leases) != 2 {
		t.Fatalf("claimed %d, want 2", len(leases))
	}
	for _, l := range leases {
		if l.GetDelivery().GetEventId() == "sg-done" {
			complete(t, s, l)
		} else {
			deadLetter(t, s, l, "refused")
		}
	}
	mustRetain(t, r, "bodies=1d events=2d dedup=1d", now, false)
	gone(t, s, "sendgrid", "sg-done")
	bodyState(t, s, "sendgrid", "sg-dead", true)
}
