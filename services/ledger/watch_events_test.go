package ledger_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/ledger"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres/pgtest"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/storetest"
)

// TestWatchEventsResumePostgres is the stream's promise on PostgreSQL with
// two ledgers on one database: Records arrive through both, a client of
// one is killed mid-stream, resumes from its last cursor on the other, and
// sees every event exactly once, in cursor order.
func TestWatchEventsResumePostgres(t *testing.T) {
	t.Parallel()
	url := pgtest.NewDatabaseURL(t)
	a, _ := runLedger(t, url, io.Discard)
	waitHealth(t, a, healthpb.HealthCheckResponse_SERVING) // creates the database first
	b, _ := runLedger(t, url, io.Discard)
	waitHealth(t, b, healthpb.HealthCheckResponse_SERVING)
	watchKillResume(t, store.CursorPostgres, a.Target(), b.Target())
}

// TestWatchEventsResumeSQLite is the same promise on the embedded store
// (one ledger: the file has one writer).
func TestWatchEventsResumeSQLite(t *testing.T) {
	t.Parallel()
	conn, _ := runLedgerConfig(t, ledger.Config{DataDir: filepath.Join(t.TempDir(), "data")}, io.Discard)
	waitHealth(t, conn, healthpb.HealthCheckResponse_SERVING)
	watchKillResume(t, store.CursorSQLite, conn.Target(), conn.Target())
}

// watchKillResume records events concurrently through the ledgers at
// targets[0] and targets[1] while a client streams from targets[0]; the
// client is killed (its connection closed) at a random point, and a new
// one on targets[1] resumes from the last cursor it received.
func watchKillResume(t *testing.T, kind byte, first, second string) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dial := func(target string) (ledgerv1.LedgerServiceClient, *grpc.ClientConn) {
		conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = conn.Close() })
		return ledgerv1.NewLedgerServiceClient(conn), conn
	}

	// The stream starts before the first Record: "now" then includes them
	// all.
	c1, conn1 := dial(first)
	s1, err := c1.WatchEvents(ctx, &ledgerv1.WatchEventsRequest{IncludeReceipt: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s1.Header(); err != nil {
		t.Fatal(err)
	}

	const writers, each = 4, 60
	var want []string
	var wg sync.WaitGroup
	for w := range writers {
		target := first
		if w%2 == 1 {
			target = second
		}
		c, _ := dial(target)
		for i := range each {
			want = append(want, fmt.Sprintf("w%d_%d", w, i))
		}
		wg.Go(func() {
			for i := range each {
				if _, err := c.Record(ctx, storetest.Request("stripe", "", fmt.Sprintf("w%d_%d", w, i), time.Now())); err != nil {
					t.Errorf("Record: %v", err)
					return
				}
			}
		})
	}

	var seen []*ledgerv1.WatchEventsResponse
	last := ""
	check := func(msg *ledgerv1.WatchEventsResponse) {
		p, err := store.ParseCursor(kind, msg.GetCursor())
		if err != nil {
			t.Fatalf("cursor %q: %v", msg.GetCursor(), err)
		}
		if last != "" {
			if prev, _ := store.ParseCursor(kind, last); !prev.Before(p) {
				t.Fatalf("cursor %+v does not come after %+v", p, prev)
			}
		}
		last = msg.GetCursor()
		if msg.GetEvent() != nil {
			seen = append(seen, msg)
		}
	}
	killAt := 30 + rand.IntN(writers*each-60)
	for len(seen) < killAt {
		msg, err := s1.Recv()
		if err != nil {
			t.Fatalf("Recv: %v", err)
		}
		check(msg)
	}
	_ = conn1.Close() // the client dies mid-stream

	c2, _ := dial(second)
	s2, err := c2.WatchEvents(ctx, &ledgerv1.WatchEventsRequest{Cursor: last, IncludeReceipt: true})
	if err != nil {
		t.Fatal(err)
	}
	for len(seen) < len(want) {
		msg, err := s2.Recv()
		if err != nil {
			t.Fatalf("Recv after resuming: %v", err)
		}
		check(msg)
	}
	wg.Wait()

	count := map[string]int{}
	for _, m := range seen {
		count[m.GetEvent().GetEventId()]++
		if m.GetReceipt().GetEventId() != m.GetEvent().GetEventId() || len(m.GetReceipt().GetBody()) == 0 {
			t.Errorf("event %s came with receipt %v", m.GetEvent().GetEventId(), m.GetReceipt())
		}
	}
	for _, id := range want {
		if count[id] != 1 {
			t.Errorf("event %s seen %d times, want once", id, count[id])
		}
	}
	if len(count) != len(want) {
		t.Errorf("%d distinct events seen, %d recorded", len(count), len(want))
	}
}
