package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres/pgtest"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/storetest"
)

// roundTrips counts what reaches the server: single statements, batches,
// the largest batch and the batches that failed.
type roundTrips struct {
	queries, batches, largest, failed atomic.Int32
}

func (c *roundTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.queries.Add(1)
	return ctx
}

func (c *roundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (c *roundTrips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	c.batches.Add(1)
	for {
		l := c.largest.Load()
		if int32(d.Batch.Len()) <= l || c.largest.CompareAndSwap(l, int32(d.Batch.Len())) {
			break
		}
	}
	return ctx
}

func (c *roundTrips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}

func (c *roundTrips) TraceBatchEnd(_ context.Context, _ *pgx.Conn, d pgx.TraceBatchEndData) {
	if d.Err != nil {
		c.failed.Add(1)
	}
}

func (c *roundTrips) reset() {
	c.queries.Store(0)
	c.batches.Store(0)
	c.largest.Store(0)
	c.failed.Store(0)
}

// recordAll sends reqs to s at once and returns their answers and errors.
func recordAll(t *testing.T, s *postgres.Store, reqs []*ledgerv1.RecordRequest) ([]*ledgerv1.RecordResponse, []error) {
	resps, errs := make([]*ledgerv1.RecordResponse, len(reqs)), make([]error, len(reqs))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, req := range reqs {
		wg.Go(func() {
			<-start
			resps[i], errs[i] = s.Record(testCtx(t), req)
		})
	}
	close(start)
	wg.Wait()
	return resps, errs
}

// TestGroupCommit: concurrent Records share round trips and commits, and a
// Record that fails inside a group fails alone.
func TestGroupCommit(t *testing.T) {
	t.Parallel()
	var rt roundTrips
	s, pool := tracedStore(t, &rt)
	const n = 64
	at := time.Now()

	t.Run("shared", func(t *testing.T) {
		rt.reset()
		reqs := make([]*ledgerv1.RecordRequest, n)
		for i := range reqs {
			reqs[i] = storetest.Request("stripe", "", fmt.Sprintf("evt_shared_%d", i), at)
		}
		resps, errs := recordAll(t, s, reqs)
		for i := range reqs {
			if errs[i] != nil || resps[i].GetDuplicate() {
				t.Errorf("Record %d: duplicate %v, error %v; want new", i, resps[i].GetDuplicate(), errs[i])
			}
		}
		trips := rt.queries.Load() + rt.batches.Load()
		t.Logf("%d Records: %d single statements, %d batches, largest %d", n, rt.queries.Load(), rt.batches.Load(), rt.largest.Load())
		if trips > n/4 {
			t.Errorf("%d concurrent Records took %d round trips, want at most %d", n, trips, n/4)
		}
	})

	// The bad Record reuses another's receipt id: a unique violation that
	// rolls back its group's transaction. Every other Record of the group
	// must still be stored and answered as new. Retried with fresh ids in
	// the unlikely case the scheduler kept the bad one out of every group.
	t.Run("one fails alone", func(t *testing.T) {
		for round := range 5 {
			rt.reset()
			reqs := make([]*ledgerv1.RecordRequest, n+1)
			for i := range n {
				reqs[i] = storetest.Request("stripe", "", fmt.Sprintf("evt_fail_%d_%d", round, i), at)
			}
			reqs[n] = storetest.Request("stripe", "", fmt.Sprintf("evt_fail_%d_bad", round), at)
			reqs[n].Receipt.ReceiptId = reqs[n/2].Receipt.ReceiptId
			resps, errs := recordAll(t, s, reqs)
			if rt.failed.Load() == 0 {
				continue
			}
			conflicts := 0
			for i := range reqs {
				switch {
				case errors.Is(errs[i], apperr.ErrConflict) && (i == n || i == n/2):
					conflicts++ // either of the two may win the receipt id
				case errs[i] != nil:
					t.Errorf("Record %d: %v", i, errs[i])
				case resps[i].GetDuplicate():
					t.Errorf("Record %d answered duplicate; it is new", i)
				}
			}
			if conflicts != 1 {
				t.Errorf("%d of the two Records sharing a receipt id failed, want 1", conflicts)
			}
			var stored int
			if err := pool.QueryRow(testCtx(t), `SELECT count(*) FROM events WHERE event_id LIKE $1`,
				fmt.Sprintf("evt_fail_%d_%%", round)).Scan(&stored); err != nil {
				t.Fatal(err)
			}
			if stored != n {
				t.Errorf("%d events of the round stored, want %d", stored, n)
			}
			return
		}
		t.Fatal("the bad Record never shared a group in 5 rounds; the test proves nothing")
	})
}

// TestDeliveryIDsAreTimeOrdered: delivery ids are UUIDv7, so they append to
// the primary-key index instead of landing on random pages (see uuidV7SQL).
func TestDeliveryIDsAreTimeOrdered(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	s := postgres.New(pool)
	t.Cleanup(s.Close)
	if _, err := s.CreateSubscription(testCtx(t), &ledgerv1.CreateSubscriptionRequest{
		Subscription: storetest.Subscription("all")}); err != nil {
		t.Fatal(err)
	}
	before := time.Now().Truncate(time.Millisecond)
	for i := range 20 {
		if _, err := s.Record(testCtx(t), storetest.Request("stripe", "", fmt.Sprintf("evt_v7_%d", i), time.Now())); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // distinct milliseconds, so the order is the timestamp's
	}
	after := time.Now()
	rows, err := pool.Query(testCtx(t), `SELECT delivery_id::text FROM deliveries d JOIN events e ON e.id = d.event_row_id ORDER BY e.id`)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(ids) != 20 {
		t.Fatalf("%d deliveries (%v), want 20", len(ids), err)
	}
	for i, id := range ids {
		if id[14] != '7' {
			t.Errorf("delivery id %s: version %c, want 7", id, id[14])
		}
		var ms int64
		if _, err := fmt.Sscanf(id[:8]+id[9:13], "%x", &ms); err != nil {
			t.Fatal(err)
		}
		if at := time.UnixMilli(ms); at.Before(before) || at.After(after) {
			t.Errorf("delivery id %s carries %v, outside the test's [%v, %v]", id, at, before, after)
		}
		if i > 0 && id <= ids[i-1] {
			t.Errorf("delivery ids out of order: %s after %s", id, ids[i-1])
		}
	}
}

// batchSQL records the statements of every batch and every single query.
type batchSQL struct {
	mu      sync.Mutex
	batches [][]string
}

func (c *batchSQL) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	c.mu.Lock()
	c.batches = append(c.batches, []string{d.SQL})
	c.mu.Unlock()
	return ctx
}
func (c *batchSQL) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (c *batchSQL) TraceBatchStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	var sqls []string
	for _, q := range d.Batch.QueuedQueries {
		sqls = append(sqls, q.SQL)
	}
	c.mu.Lock()
	c.batches = append(c.batches, sqls)
	c.mu.Unlock()
	return ctx
}
func (c *batchSQL) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (c *batchSQL) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// TestOnlyRecordsCommitDurably holds the durability split: a transaction
// that inserts an event never turns synchronous_commit off (its commit is
// what the edge's 202 promises), while claims and outcomes do (losing one in
// a crash only means a delivery is made again).
func TestOnlyRecordsCommitDurably(t *testing.T) {
	t.Parallel()
	var tr batchSQL
	s, _ := tracedStore(t, &tr)
	if _, err := s.CreateSubscription(testCtx(t), &ledgerv1.CreateSubscriptionRequest{
		Subscription: storetest.Subscription("all")}); err != nil {
		t.Fatal(err)
	}
	reqs := make([]*ledgerv1.RecordRequest, 32)
	for i := range reqs {
		reqs[i] = storetest.Request("stripe", "", fmt.Sprintf("evt_durable_%d", i), time.Now())
	}
	if _, errs := recordAll(t, s, reqs); errors.Join(errs...) != nil {
		t.Fatal(errors.Join(errs...))
	}
	resp, err := s.ClaimDeliveries(testCtx(t), &ledgerv1.ClaimDeliveriesRequest{DispatcherId: "d", Limit: 32})
	if err != nil || len(resp.GetLeases()) != 32 {
		t.Fatalf("claim: %d leases, %v; want 32", len(resp.GetLeases()), err)
	}
	var wg sync.WaitGroup
	for _, l := range resp.GetLeases() {
		wg.Go(func() {
			if _, err := s.CompleteDelivery(testCtx(t), &ledgerv1.CompleteDeliveryRequest{
				DeliveryId: l.GetDelivery().GetDeliveryId(), LeaseToken: l.GetLeaseToken(), DispatcherId: "d"}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()

	tr.mu.Lock()
	defer tr.mu.Unlock()
	var records, claims, outcomes int
	for _, b := range tr.batches {
		all := strings.Join(b, "\n")
		relaxed := strings.Contains(all, "'synchronous_commit', 'off'")
		switch {
		case strings.Contains(all, "INSERT INTO events"):
			records++
			if relaxed {
				t.Errorf("a Record's transaction commits asynchronously:\n%.300s", all)
			}
		case strings.Contains(all, "INSERT INTO delivery_leases"):
			claims++
			if !relaxed {
				t.Errorf("a claim commits synchronously:\n%.300s", all)
			}
		case strings.Contains(all, "INSERT INTO delivery_attempts"):
			outcomes++
			if !relaxed {
				t.Errorf("an outcome commits synchronously:\n%.300s", all)
			}
		}
	}
	if records == 0 || claims == 0 || outcomes == 0 {
		t.Errorf("saw %d Record, %d claim and %d outcome transactions; want each", records, claims, outcomes)
	}
}
