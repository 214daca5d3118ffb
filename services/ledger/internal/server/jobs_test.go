package server_test

import (
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/storetest"
)

// TestStartFromRules: a start_from in the future is INVALID_ARGUMENT; one
// in the past starts a backfill job; an update that leaves it unset keeps
// it, one that changes it is INVALID_ARGUMENT.
func TestStartFromRules(t *testing.T) {
	t.Parallel()
	_, _, c := newServer(t)
	sub := storetest.Subscription("later")
	sub.StartFrom = timestamppb.New(time.Now().Add(time.Hour))
	_, err := c.CreateSubscription(ctx(t), &ledgerv1.CreateSubscriptionRequest{Subscription: sub})
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("create with start_from in the future: %v; want InvalidArgument", err)
	}

	from := time.Now().Add(-time.Hour).Truncate(time.Microsecond)
	sub.StartFrom = timestamppb.New(from)
	if _, err := c.CreateSubscription(ctx(t), &ledgerv1.CreateSubscriptionRequest{Subscription: sub}); err != nil {
		t.Fatalf("create: %v", err)
	}
	jobs, err := c.ListJobs(ctx(t), &ledgerv1.ListJobsRequest{Subscription: "later"})
	if err != nil || len(jobs.GetJobs()) != 1 || jobs.GetJobs()[0].GetKind() != ledgerv1.JobKind_JOB_KIND_BACKFILL {
		t.Errorf("ListJobs = %v, %v; want one backfill", jobs, err)
	}

	upd := storetest.Subscription("later")
	upd.MaxConcurrency = 3
	got, err := c.UpdateSubscription(ctx(t), &ledgerv1.UpdateSubscriptionRequest{Subscription: upd})
	if err != nil || !got.GetSubscription().GetStartFrom().AsTime().Equal(from) {
		t.Errorf("update without start_from = %v, %v; want it kept (%v)", got, err, from)
	}
	upd.StartFrom = timestamppb.New(from)
	if _, err := c.UpdateSubscription(ctx(t), &ledgerv1.UpdateSubscriptionRequest{Subscription: upd}); err != nil {
		t.Errorf("update with the same start_from: %v", err)
	}
	upd.StartFrom = timestamppb.New(from.Add(-time.Hour))
	if _, err := c.UpdateSubscription(ctx(t), &ledgerv1.UpdateSubscriptionRequest{Subscription: upd}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("update changing start_from: %v; want InvalidArgument", err)
	}
	if _, err := c.GetJob(ctx(t), &ledgerv1.GetJobRequest{JobId: "not-a-uuid"}); status.Code(err) != codes.NotFound {
		t.Errorf("GetJob(not a uuid): %v; want NotFound", err)
	}
}
