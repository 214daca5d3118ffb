package postgres_test

import (
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres/pgtest"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/storetest"
)

// TestJobOneWorkerAtATime: while another ledger's batch holds a job (its
// row locked), a batch of this ledger skips it at once, writing nothing;
// once the lock is gone, the job is worked.
func TestJobOneWorkerAtATime(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	s := postgres.New(pool)
	t.Cleanup(s.Close)
	ctx := testCtx(t)
	if _, err := s.CreateSubscription(ctx, &ledgerv1.CreateSubscriptionRequest{Subscription: storetest.Subscription("a")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Record(ctx, storetest.Request("stripe", "", "e1", time.Now().Add(-time.Minute))); err != nil {
		t.Fatal(err)
	}
	resp, err := s.RedeliverSubscription(ctx, &ledgerv1.RedeliverSubscriptionRequest{Name: "a", From: timestamppb.New(time.Now().Add(-time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	id := resp.GetJob().GetJobId()

	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM jobs WHERE job_id = $1 FOR UPDATE`, id); err != nil {
		t.Fatal(err)
	}
	res, err := s.RunJobBatch(ctx, id)
	if err != nil || res.Worked || res.Created != 0 {
		t.Errorf("RunJobBatch while another holds the job = %+v, %v; want skipped", res, err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	res, err = s.RunJobBatch(ctx, id)
	if err != nil || !res.Worked || !res.Ended || res.Created != 1 {
		t.Errorf("RunJobBatch = %+v, %v; want the job worked to its end, one delivery", res, err)
	}
}
