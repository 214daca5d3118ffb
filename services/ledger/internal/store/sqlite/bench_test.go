package sqlite_test

import (
	"path/filepath"
	"strconv"
	"testing"
	"time"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	sqlitestore "github.com/hookmesh/hookmesh/services/ledger/internal/store/sqlite"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/storetest"
)

// BenchmarkRecord measures one Record, new event with one delivery, fsync
// included: the embedded store's throughput on one writer.
func BenchmarkRecord(b *testing.B) {
	s, err := sqlitestore.Open(b.Context(), filepath.Join(b.TempDir(), "ledger.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := b.Context()
	if _, err := s.CreateSubscription(ctx, &ledgerv1.CreateSubscriptionRequest{Subscription: storetest.Subscription("all")}); err != nil {
		b.Fatal(err)
	}
	for i := 0; b.Loop(); i++ {
		if _, err := s.Record(ctx, storetest.Request("bulk", "", "evt_"+strconv.Itoa(i), time.Now())); err != nil {
			b.Fatal(err)
		}
	}
}
