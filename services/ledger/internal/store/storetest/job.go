package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// runJob runs a job's batches until it ends, as the ledger's runner does,
// failing when a batch makes no progress (nothing here fills the bound).
func runJob(t *testing.T, s store.Store, id string) *ledgerv1.Job {
	t.Helper()
	for range 1000 {
		res, err := s.RunJobBatch(ctx(t), id)
		if err != nil {
			t.Fatalf("RunJobBatch(%s): %v", id, err)
		}
		if res.Ended {
			return getJob(t, s, id)
		}
		if !res.Worked {
			t.Fatalf("RunJobBatch(%s) made no progress: %+v", id, getJob(t, s, id))
		}
	}
	t.Fatalf("job %s did not end", id)
	return nil
}

func getJob(t *testing.T, s store.Store, id string) *ledgerv1.Job {
	t.Helper()
	g, err := s.GetJob(ctx(t), &ledgerv1.GetJobRequest{JobId: id})
	if err != nil {
		t.Fatalf("GetJob(%s): %v", id, err)
	}
	return g.GetJob()
}

func redeliver(t *testing.T, s store.Store, name string, from, to time.Time, filter string) *ledgerv1.Job {
	t.Helper()
	resp, err := s.RedeliverSubscription(ctx(t), &ledgerv1.RedeliverSubscriptionRequest{
		Name: name, From: timestamppb.New(from), To: timestamppb.New(to), Filter: filter})
	if err != nil {
		t.Fatalf("RedeliverSubscription(%s): %v", name, err)
	}
	return resp.GetJob()
}

// checkCounts compares a job's state and counters.
func checkCounts(t *testing.T, j *ledgerv1.Job, state ledgerv1.JobState, scanned, created, total int64) {
	t.Helper()
	if j.GetState() != state || j.GetEventsScanned() != scanned || j.GetDeliveriesCreated() != created || j.GetTotalEstimate() != total {
		t.Errorf("job = %v scanned %d created %d total %d; want %v %d %d %d", j.GetState(), j.GetEventsScanned(),
			j.GetDeliveriesCreated(), j.GetTotalEstimate(), state, scanned, created, total)
	}
}

// drain claims and completes every due delivery of the store, and returns
// the event ids claimed with their delivery ids.
func drain(t *testing.T, s store.Store) map[string][]*ledgerv1.Delivery {
	t.Helper()
	got := map[string][]*ledgerv1.Delivery{}
	for {
		leases := claim(t, s, "d1", 100)
		if len(leases) == 0 {
			return got
		}
		for _, l := range leases {
			got[l.GetDelivery().GetEventId()] = append(got[l.GetDelivery().GetEventId()], l.GetDelivery())
			complete(t, s, l)
		}
	}
}

// testRedeliverRange: a redelivery of a time range makes one new delivery
// per event of the range (new ids, linked to the previous delivery, with
// the job's id), none outside it; a second redelivery links to the first;
// a duplicate webhook still makes no delivery; the job's counts are
// exact.
func testRedeliverRange(t *testing.T, s store.Store) {
	mustCreate(t, s, withMax(Subscription("a"), 50))
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	for i := range 6 {
		mustRecord(t, s, Request("stripe", "", fmt.Sprintf("e%d", i), base.Add(time.Duration(i)*time.Minute)))
	}
	first := drain(t, s)
	if len(first) != 6 {
		t.Fatalf("first deliveries: %d events, want 6", len(first))
	}

	j := redeliver(t, s, "a", base.Add(time.Minute), base.Add(4*time.Minute), "")
	checkCounts(t, j, ledgerv1.JobState_JOB_STATE_RUNNING, 0, 0, 3)
	if j.GetKind() != ledgerv1.JobKind_JOB_KIND_REDELIVER || j.GetSubscription() != "a" {
		t.Errorf("job = %v", j)
	}
	checkCounts(t, runJob(t, s, j.GetJobId()), ledgerv1.JobState_JOB_STATE_DONE, 3, 3, 3)

	again := drain(t, s)
	if len(again) != 3 || again["e1"] == nil || again["e2"] == nil || again["e3"] == nil {
		t.Fatalf("redelivered events = %v; want e1, e2, e3", keys(again))
	}
	for id, ds := range again {
		d := ds[0]
		old := first[id][0]
		if len(ds) != 1 || d.GetDeliveryId() == old.GetDeliveryId() || d.GetRedeliveryOf() != old.GetDeliveryId() ||
			d.GetJobId() != j.GetJobId() {
			t.Errorf("%s redelivered as %v; want one new delivery linked to %s, job %s", id, ds, old.GetDeliveryId(), j.GetJobId())
		}
	}

	// A second redelivery follows the first.
	j2 := redeliver(t, s, "a", base.Add(2*time.Minute), base.Add(3*time.Minute), "")
	checkCounts(t, runJob(t, s, j2.GetJobId()), ledgerv1.JobState_JOB_STATE_DONE, 1, 1, 1)
	third := drain(t, s)
	if len(third["e2"]) != 1 || third["e2"][0].GetRedeliveryOf() != again["e2"][0].GetDeliveryId() {
		t.Errorf("second redelivery of e2 = %v; want one linked to %s", third["e2"], again["e2"][0].GetDeliveryId())
	}
	if ds := deliveriesOf(t, s, "stripe", "e2"); len(ds) != 3 {
		t.Errorf("e2 has %d deliveries; want 3 (first, two redeliveries)", len(ds))
	}

	// A duplicate webhook of a redelivered event makes nothing.
	dup := mustRecord(t, s, Request("stripe", "", "e1", time.Now()))
	if !dup.GetDuplicate() {
		t.Errorf("Record(e1 again) duplicate = false")
	}
	if ds := deliveriesOf(t, s, "stripe", "e1"); len(ds) != 2 {
		t.Errorf("e1 has %d deliveries after a duplicate; want 2", len(ds))
	}
	if leases := claim(t, s, "d1", 10); len(leases) != 0 {
		t.Errorf("claims after the duplicate = %v; want none", subsOf(leases))
	}

	list, err := s.ListJobs(ctx(t), &ledgerv1.ListJobsRequest{Subscription: "a"})
	if err != nil || len(list.GetJobs()) != 2 || list.GetJobs()[0].GetJobId() != j2.GetJobId() {
		t.Errorf("ListJobs = %v, %v; want j2 then j", list, err)
	}
}

// testRedeliverFilter: a redelivery's filter and the subscription's both
// select; bad requests are refused.
func testRedeliverFilter(t *testing.T, s store.Store) {
	sub := Subscription("billing")
	sub.Filter = `platform == "stripe"`
	mustCreate(t, s, sub)
	base := time.Now().Add(-time.Hour)
	for i, st := range []string{"invoice.paid", "invoice.created", "invoice.paid", "charge.failed"} {
		r := sourced("stripe", fmt.Sprintf("s%d", i), st, `{}`)
		r.Receipt.ReceivedAt = timestamppb.New(base.Add(time.Duration(i) * time.Second))
		mustRecord(t, s, r)
	}
	r := sourced("github", "g0", "invoice.paid", `{}`)
	r.Receipt.ReceivedAt = timestamppb.New(base)
	mustRecord(t, s, r)
	drain(t, s)

	j := redeliver(t, s, "billing", base.Add(-time.Minute), time.Now(), `source_type == "invoice.paid"`)
	got := runJob(t, s, j.GetJobId())
	// Five events of the subscription's platforms and types: all five are
	// scanned (the subscription's filter is evaluated in Go), two pass both.
	checkCounts(t, got, ledgerv1.JobState_JOB_STATE_DONE, 5, 2, 5)
	again := drain(t, s)
	if len(again) != 2 || again["s0"] == nil || again["s2"] == nil {
		t.Errorf("redelivered = %v; want s0, s2", keys(again))
	}

	for name, req := range map[string]*ledgerv1.RedeliverSubscriptionRequest{
		"no from":     {Name: "billing"},
		"empty range": {Name: "billing", From: timestamppb.New(base), To: timestamppb.New(base)},
		"bad filter":  {Name: "billing", From: timestamppb.New(base), Filter: `source_type ==`},
		"not bool":    {Name: "billing", From: timestamppb.New(base), Filter: `source_type`},
	} {
		if _, err := s.RedeliverSubscription(ctx(t), req); !errors.Is(err, apperr.ErrInvalid) {
			t.Errorf("%s: err = %v; want ErrInvalid", name, err)
		}
	}
	if _, err := s.RedeliverSubscription(ctx(t), &ledgerv1.RedeliverSubscriptionRequest{Name: "nope", From: timestamppb.New(base)}); !errors.Is(err, apperr.ErrNotFound) {
		t.Errorf("unknown subscription: err = %v; want ErrNotFound", err)
	}
	if _, err := s.GetJob(ctx(t), &ledgerv1.GetJobRequest{JobId: "00000000-0000-0000-0000-000000000000"}); !errors.Is(err, apperr.ErrNotFound) {
		t.Errorf("GetJob(unknown) err = %v; want ErrNotFound", err)
	}
}

// testBackfill: a subscription created with start_from gets one delivery
// of each older event of its platforms (from the oldest when start_from is
// earlier), exactly once with the live deliveries of later events.
func testBackfill(t *testing.T, s store.Store) {
	base := time.Now().Add(-2 * time.Hour)
	for i := range 5 {
		mustRecord(t, s, Request("stripe", "", fmt.Sprintf("old%d", i), base.Add(time.Duration(i)*time.Minute)))
	}
	mustRecord(t, s, Request("github", "", "other", base))
	sub := withPlatforms(Subscription("late"), "stripe")
	sub.StartFrom = timestamppb.New(base.Add(-24 * time.Hour))
	created := mustCreate(t, s, sub)
	mustRecord(t, s, Request("stripe", "", "live", time.Now()))

	list, err := s.ListJobs(ctx(t), &ledgerv1.ListJobsRequest{Subscription: "late"})
	if err != nil || len(list.GetJobs()) != 1 {
		t.Fatalf("ListJobs = %v, %v; want the backfill", list, err)
	}
	j := list.GetJobs()[0]
	if j.GetKind() != ledgerv1.JobKind_JOB_KIND_BACKFILL || !j.GetFrom().AsTime().Equal(base.Truncate(time.Microsecond)) ||
		j.GetTo().AsTime().After(created.GetCreatedAt().AsTime().Add(time.Second)) {
		t.Errorf("backfill job = %v; want from the oldest event %v to the creation %v", j, base, created.GetCreatedAt().AsTime())
	}
	checkCounts(t, runJob(t, s, j.GetJobId()), ledgerv1.JobState_JOB_STATE_DONE, 5, 5, 5)
	got := drain(t, s)
	if len(got) != 6 || got["other"] != nil || len(got["live"]) != 1 || got["live"][0].GetJobId() != "" {
		t.Errorf("delivered = %v; want old0..old4 and live (live by Record)", keys(got))
	}
	for id, ds := range got {
		if len(ds) != 1 || ds[0].GetRedeliveryOf() != "" {
			t.Errorf("%s delivered %d times (%v); want once, a first delivery", id, len(ds), ds)
		}
	}
	// Running the ended job again creates nothing.
	if res, err := s.RunJobBatch(ctx(t), j.GetJobId()); err != nil || res.Worked || res.Created != 0 {
		t.Errorf("RunJobBatch(done) = %+v, %v; want nothing", res, err)
	}
}

// testJobBoundKeepsLiveFirst: a backfill much larger than its bound
// creates deliveries only up to store.BulkBacklog pending at a time, so a
// live event recorded while it runs is claimed after at most that many of
// the job's deliveries, and before the rest of the job's. Claims are
// counted, not timed.
func testJobBoundKeepsLiveFirst(t *testing.T, s store.Store) {
	const n = 260
	bound := int(store.BulkBacklog(1))
	recordMany(t, s, "stripe", "old", n)
	sub := withMax(Subscription("slow"), 1)
	sub.StartFrom = timestamppb.New(time.Now().Add(-time.Hour))
	mustCreate(t, s, sub)
	jobs, err := s.ListJobs(ctx(t), &ledgerv1.ListJobsRequest{Subscription: "slow"})
	if err != nil || len(jobs.GetJobs()) != 1 {
		t.Fatalf("ListJobs = %v, %v", jobs, err)
	}
	id := jobs.GetJobs()[0].GetJobId()
	// The runner works the job until the bound stops it.
	for {
		res, err := s.RunJobBatch(ctx(t), id)
		if err != nil {
			t.Fatalf("RunJobBatch: %v", err)
		}
		if !res.Worked {
			break
		}
	}
	if j := getJob(t, s, id); j.GetState() != ledgerv1.JobState_JOB_STATE_RUNNING || j.GetDeliveriesCreated() != int64(bound) {
		t.Fatalf("job held by its bound = %v created %d; want running, %d created", j.GetState(), j.GetDeliveriesCreated(), bound)
	}
	mustRecord(t, s, Request("stripe", "", "live", time.Now()))

	// The dispatcher delivers one at a time (max_concurrency 1) while the
	// runner refills the job's room after each outcome.
	jobBefore, jobAfter, liveAt := 0, 0, -1
	for i := 0; i < n+1; i++ {
		leases := claim(t, s, "d1", 10)
		if len(leases) != 1 {
			t.Fatalf("claim %d: %d leases; want 1", i, len(leases))
		}
		d := leases[0].GetDelivery()
		switch {
		case d.GetEventId() == "live":
			liveAt = i
		case liveAt < 0:
			jobBefore++
		default:
			jobAfter++
		}
		complete(t, s, leases[0])
		if _, err := s.RunJobBatch(ctx(t), id); err != nil {
			t.Fatalf("RunJobBatch: %v", err)
		}
	}
	if liveAt < 0 || jobBefore > bound || jobAfter == 0 {
		t.Errorf("live claimed at %d after %d job deliveries (bound %d), %d job deliveries after it; want it within the bound, before the job's rest",
			liveAt, jobBefore, bound, jobAfter)
	}
	if j := getJob(t, s, id); j.GetState() != ledgerv1.JobState_JOB_STATE_DONE || j.GetDeliveriesCreated() != n {
		t.Errorf("job = %v created %d; want done, %d", j.GetState(), j.GetDeliveriesCreated(), n)
	}
}

// testJobCancelAndDeletedSubscription: a cancelled job creates nothing
// more; a job whose subscription is deleted fails.
func testJobCancelAndDeletedSubscription(t *testing.T, s store.Store) {
	mustCreate(t, s, Subscription("x"))
	mustCreate(t, s, Subscription("y"))
	base := time.Now().Add(-time.Hour)
	mustRecord(t, s, Request("stripe", "", "e0", base))
	j := redeliver(t, s, "x", base.Add(-time.Minute), time.Now(), "")
	c, err := s.CancelJob(ctx(t), &ledgerv1.CancelJobRequest{JobId: j.GetJobId()})
	if err != nil || c.GetJob().GetState() != ledgerv1.JobState_JOB_STATE_CANCELLED {
		t.Fatalf("CancelJob = %v, %v; want cancelled", c, err)
	}
	if res, err := s.RunJobBatch(ctx(t), j.GetJobId()); err != nil || res.Worked || res.Created != 0 {
		t.Errorf("RunJobBatch(cancelled) = %+v, %v; want nothing", res, err)
	}
	if ds := deliveriesOf(t, s, "stripe", "e0"); len(ds) != 2 {
		t.Errorf("e0 has %d deliveries; want 2 (x and y, none from the cancelled job)", len(ds))
	}
	ids, err := s.RunningJobs(ctx(t))
	if err != nil || len(ids) != 0 {
		t.Errorf("RunningJobs = %v, %v; want none", ids, err)
	}

	j2 := redeliver(t, s, "y", base.Add(-time.Minute), time.Now(), "")
	if ids, err := s.RunningJobs(ctx(t)); err != nil || len(ids) != 1 || ids[0] != j2.GetJobId() {
		t.Errorf("RunningJobs = %v, %v; want [%s]", ids, err, j2.GetJobId())
	}
	if _, err := s.DeleteSubscription(ctx(t), &ledgerv1.DeleteSubscriptionRequest{Name: "y"}); err != nil {
		t.Fatalf("DeleteSubscription: %v", err)
	}
	got := runJob(t, s, j2.GetJobId())
	if got.GetState() != ledgerv1.JobState_JOB_STATE_FAILED || got.GetError() != store.JobFailedSubscriptionGone {
		t.Errorf("job of a deleted subscription = %v %q; want failed", got.GetState(), got.GetError())
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
