package postgres_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres/pgtest"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/storetest"
)

// TestNotifyLocalAndRemote: two ledgers on one database. A Record on a
// ledger wakes its own Listen directly, exactly once (its own NOTIFY is
// skipped), and wakes the other ledger's Listen through the NOTIFY.
func TestNotifyLocalAndRemote(t *testing.T) {
	t.Parallel()
	poolA := pgtest.NewPool(t)
	poolB, err := pgxpool.NewWithConfig(testCtx(t), poolA.Config()) // same schema
	if err != nil {
		t.Fatal(err)
	}
	a, b := postgres.New(poolA), postgres.New(poolB)
	t.Cleanup(a.Close)
	t.Cleanup(b.Close)
	if _, err := a.CreateSubscription(testCtx(t), &ledgerv1.CreateSubscriptionRequest{
		Subscription: storetest.Subscription("billing")}); err != nil {
		t.Fatal(err)
	}
	listen := func(s *postgres.Store) <-chan []string {
		got := make(chan []string, 16)
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		first := make(chan struct{})
		var once sync.Once
		wg.Go(func() {
			if err := s.Listen(ctx, func(subs []string) {
				if subs == nil {
					once.Do(func() { close(first) }) // "anything may be due", at start
					return
				}
				got <- subs
			}); err != nil {
				t.Errorf("Listen: %v", err)
			}
		})
		t.Cleanup(func() { cancel(); wg.Wait() })
		select {
		case <-first:
		case <-time.After(10 * time.Second):
			t.Fatal("Listen never started")
		}
		return got
	}
	gotA, gotB := listen(a), listen(b)
	expect := func(got <-chan []string, who string, within time.Duration) {
		t.Helper()
		select {
		case subs := <-got:
			if !slices.Equal(subs, []string{"billing"}) {
				t.Errorf("%s notified of %v, want [billing]", who, subs)
			}
		case <-time.After(within):
			t.Errorf("%s not notified within %v", who, within)
		}
	}
	quiet := func(got <-chan []string, who string) {
		t.Helper()
		select {
		case subs := <-got:
			t.Errorf("%s notified again (%v): its own NOTIFY must be skipped", who, subs)
		case <-time.After(300 * time.Millisecond):
		}
	}

	if _, err := a.Record(testCtx(t), storetest.Typed("stripe", "evt_a", eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED)); err != nil {
		t.Fatal(err)
	}
	expect(gotA, "the recording ledger", time.Second)
	expect(gotB, "the other ledger", 5*time.Second)
	quiet(gotA, "the recording ledger")

	if _, err := b.Record(testCtx(t), storetest.Typed("stripe", "evt_b", eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED)); err != nil {
		t.Fatal(err)
	}
	expect(gotB, "the recording ledger", time.Second)
	expect(gotA, "the other ledger", 5*time.Second)
	quiet(gotB, "the recording ledger")
}
