package postgres_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres/pgtest"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store {
		pool := pgtest.NewPool(t)
		s := postgres.New(pool)
		t.Cleanup(s.Close)
		t.Cleanup(func() { checkReferences(t, pool) }) // runs first: the schema is still there
		return s
	})
}

// referencesSQL counts rows whose parent is missing: what the foreign keys
// dropped by migration 0007 would have refused (an event's receipt only
// where the event is unfinished work: retention drops the bodies of the
// others; and an event's dedup key, which retention keeps while the event
// is stored), and a pending delivery
// without its subscription (0008 keeps a deleted subscription's
// deliveries, every pending one cancelled). The ledger's statements
// keep these references by construction; the conformance suite checks that
// they do after each of its tests.
const referencesSQL = `
SELECT (SELECT count(*) FROM events e WHERE (EXISTS (SELECT 1 FROM deliveries d WHERE d.event_row_id = e.id AND d.state IN (1, 3))
        AND NOT EXISTS (SELECT 1 FROM receipts r WHERE r.receipt_id = e.receipt_id AND r.part_id = e.id >> 36 << 36))
        OR NOT EXISTS (SELECT 1 FROM dedup_keys k WHERE k.event_row_id = e.id)),
    (SELECT count(*) FROM deliveries d WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = d.event_row_id)),
    (SELECT count(*) FROM deliveries d WHERE d.state = 1 AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.name = d.subscription)),
    (SELECT count(*) FROM delivery_attempts a WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.delivery_id = a.delivery_id)),
    (SELECT count(*) FROM delivery_leases l WHERE NOT EXISTS (
        SELECT 1 FROM deliveries d WHERE d.delivery_id = l.delivery_id AND d.state = 1))`

// checkReferences runs referencesSQL on a connection of its own, since a
// test may have closed the store and its pool.
func checkReferences(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	conn, err := pgx.ConnectConfig(testCtx(t), pool.Config().ConnConfig)
	if err != nil {
		t.Errorf("check references: %v", err)
		return
	}
	defer conn.Close(testCtx(t))
	var events, deliveriesEvent, deliveriesSub, attempts, leases int
	if err := conn.QueryRow(testCtx(t), referencesSQL).Scan(&events, &deliveriesEvent, &deliveriesSub, &attempts, &leases); err != nil {
		t.Errorf("check references: %v", err)
		return
	}
	if events+deliveriesEvent+deliveriesSub+attempts+leases > 0 {
		t.Errorf("rows without their parent: %d events without receipt, %d deliveries without event, "+
			"%d pending without subscription, %d attempts without delivery, %d leases without a pending delivery",
			events, deliveriesEvent, deliveriesSub, attempts, leases)
	}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func count(t *testing.T, pool *pgxpool.Pool, table string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(testCtx(t), "SELECT count(*) FROM "+pgx.Identifier{table}.Sanitize()).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// TestDuplicateStoresNothing looks under the interface: a duplicate must not
// leave a receipt row behind (the conformance suite can only see that the
// first receipt is still the one returned).
func TestDuplicateStoresNothing(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	s := postgres.New(pool)
	at := time.Now()
	for i := range 3 {
		if _, err := s.Record(testCtx(t), storetest.Request("stripe", "", "evt_1", at)); err != nil {
			t.Fatalf("Record %d: %v", i, err)
		}
	}
	if r, e := count(t, pool, "receipts"), count(t, pool, "events"); r != 1 || e != 1 {
		t.Errorf("after 3 Records of one event: %d receipts, %d events; want 1 and 1", r, e)
	}
}

// queryCounter counts the statements sent, to hold Record to one.
type queryCounter struct{ n atomic.Int32 }

func (c *queryCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}

func (c *queryCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// tracedStore returns a Store on a fresh schema whose connections report
// to tracer, and its pool.
func tracedStore(t *testing.T, tracer pgx.QueryTracer) (*postgres.Store, *pgxpool.Pool) {
	t.Helper()
	cfg := pgtest.NewConfig(t)
	cfg.ConnConfig.Tracer = tracer
	pool, err := pgxpool.NewWithConfig(testCtx(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := postgres.New(pool)
	t.Cleanup(s.Close)
	return s, pool
}

func TestRecordIsOneStatement(t *testing.T) {
	t.Parallel()
	var qc queryCounter
	s, _ := tracedStore(t, &qc)
	at := time.Now()
	for _, id := range []string{"evt_new", "evt_new", "evt_other"} { // new, duplicate, new
		before := qc.n.Load()
		if _, err := s.Record(testCtx(t), storetest.Request("stripe", "", id, at)); err != nil {
			t.Fatal(err)
		}
		if n := qc.n.Load() - before; n != 1 {
			t.Errorf("Record(%s) sent %d statements, want 1", id, n)
		}
	}
}

func TestMigrateConcurrentAndIdempotent(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t) // already migrated once
	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			applied, err := postgres.Migrate(testCtx(t), pool)
			if err == nil && len(applied) != 0 {
				err = errors.New("re-applied migrations")
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Migrate %d: %v", i, err)
		}
	}
	ms, err := postgres.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, pool, "schema_migrations"); n != len(ms) {
		t.Errorf("schema_migrations has %d rows, want %d", n, len(ms))
	}
}

func TestMigrateFreshSchemaFromConnect(t *testing.T) {
	t.Parallel()
	url := pgtest.NewDatabaseURL(t) // does not exist yet
	cfg, err := postgres.ParseConfig(url, 2)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := postgres.Connect(testCtx(t), cfg)
	if err != nil {
		t.Fatalf("Connect to a missing database: %v", err)
	}
	defer pool.Close()
	applied, err := postgres.Migrate(testCtx(t), pool)
	if err != nil || len(applied) == 0 || applied[0] != 1 {
		t.Fatalf("Migrate = %v, %v; want [1 ...]", applied, err)
	}
	// A second Connect finds the database and creates nothing.
	again, err := postgres.Connect(testCtx(t), cfg)
	if err != nil {
		t.Fatalf("second Connect: %v", err)
	}
	again.Close()
}

func TestConnectUnreachableIsUnavailable(t *testing.T) {
	t.Parallel()
	cfg, err := postgres.ParseConfig("postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=2", 1)
	if err != nil {
		t.Fatal(err)
	}
	_, err = postgres.Connect(testCtx(t), cfg)
	if !errors.Is(err, apperr.ErrUnavailable) {
		t.Fatalf("Connect to a closed port: %v, want ErrUnavailable", err)
	}
	var pgErr interface{ SQLState() string }
	if errors.As(err, &pgErr) {
		t.Errorf("driver error leaks through the chain: %T", pgErr)
	}
}

func TestParseConfigHidesPassword(t *testing.T) {
	t.Parallel()
	_, err := postgres.ParseConfig("postgres://u:s3cret@host:notaport/db", 0)
	if err == nil {
		t.Fatal("want an error for a bad port")
	}
	if s := err.Error(); strings.Contains(s, "s3cret") {
		t.Errorf("error shows the password: %s", s)
	}
}

// TestFilterChangedOnAnotherReplica: a ledger whose list of filtered
// subscriptions is stale (another replica created or changed a filter)
// still applies the filter in force: its Record is refused as stale,
// reloads the list and applies it.
func TestFilterChangedOnAnotherReplica(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	a, b := postgres.New(pool), postgres.New(pool)
	t.Cleanup(a.Close)
	t.Cleanup(b.Close)
	sub := storetest.Subscription("only")
	sub.Filter = `platform == "github"`
	if _, err := a.CreateSubscription(testCtx(t), &ledgerv1.CreateSubscriptionRequest{Subscription: sub}); err != nil {
		t.Fatal(err)
	}
	deliveries := func(id string) int {
		resp, err := b.ListDeliveries(testCtx(t), &ledgerv1.ListDeliveriesRequest{Platform: "stripe", EventId: id})
		if err != nil {
			t.Fatal(err)
		}
		return len(resp.GetDeliveries())
	}
	if _, err := b.Record(testCtx(t), storetest.Request("stripe", "", "evt_1", time.Now())); err != nil {
		t.Fatal(err)
	}
	if n := deliveries("evt_1"); n != 0 {
		t.Errorf("evt_1: %d deliveries, want none (the filter created on the other replica keeps github only)", n)
	}
	sub.Filter = `platform == "stripe"`
	if _, err := a.UpdateSubscription(testCtx(t), &ledgerv1.UpdateSubscriptionRequest{Subscription: sub}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Record(testCtx(t), storetest.Request("stripe", "", "evt_2", time.Now())); err != nil {
		t.Fatal(err)
	}
	if n := deliveries("evt_2"); n != 1 {
		t.Errorf("evt_2: %d deliveries, want 1 (the filter changed on the other replica keeps stripe)", n)
	}
}
