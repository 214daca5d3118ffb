package sqlite_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/ledger/internal/retention"
	sqlitestore "github.com/hookmesh/hookmesh/services/ledger/internal/store/sqlite"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/storetest"
)

// The retention measurement: benchReceipts webhooks of 2 KB received
// evenly over the last 100 days, each delivered once (one delivery, one
// attempt), and the policy benchPolicy, which deletes the older half of
// the events (with their receipts, deliveries and attempts) and clears
// the bodies of half of the rest. Run with
//
//	go test ./internal/store/sqlite -run '^$' -bench Retention -benchtime 1x
//
// The store is built once per process and copied for each run.
const (
	benchReceipts = 20000
	benchSpread   = 100 * 24 * time.Hour
	benchPolicy   = "bodies=25d events=50d"
)

var (
	benchOnce sync.Once
	benchFile string
	benchErr  error
)

// TestMain removes the measurement's store, built once per process.
func TestMain(m *testing.M) {
	code := m.Run()
	if benchFile != "" {
		_ = os.RemoveAll(filepath.Dir(benchFile))
	}
	os.Exit(code)
}

// benchStore returns a copy of the measurement's store in dir.
func benchStore(b *testing.B, dir string) string {
	b.Helper()
	benchOnce.Do(func() {
		tmp, err := os.MkdirTemp("", "hookmesh-retention-bench-")
		if err != nil {
			benchErr = err
			return
		}
		benchFile = filepath.Join(tmp, "ledger.db")
		benchErr = buildBenchStore(context.Background(), benchFile)
	})
	if benchErr != nil {
		b.Fatalf("build the store: %v", benchErr)
	}
	dst := filepath.Join(dir, "ledger.db")
	if err := copyFile(benchFile, dst); err != nil {
		b.Fatal(err)
	}
	return dst
}

func buildBenchStore(ctx context.Context, path string) error {
	s, err := sqlitestore.Open(ctx, path)
	if err != nil {
		return err
	}
	defer s.Close()
	if _, err := s.CreateSubscription(ctx, &ledgerv1.CreateSubscriptionRequest{Subscription: storetest.Subscription("all")}); err != nil {
		return err
	}
	body := strings.Repeat("x", 2048)
	now := time.Now()
	if err := parallel(benchReceipts, func(i int) error {
		id := fmt.Sprintf("evt_%06d", i)
		req := storetest.Request("stripe", "", id, now.Add(-benchSpread/benchReceipts*time.Duration(i)))
		req.Receipt.Body = []byte(`{"id":"` + id + `","pad":"` + body[:2048-len(id)-19] + `"}`)
		_, err := s.Record(ctx, req)
		return err
	}); err != nil {
		return err
	}
	// Deliver everything: claims of 500, outcomes from 8 workers.
	for {
		resp, err := s.ClaimDeliveries(ctx, &ledgerv1.ClaimDeliveriesRequest{DispatcherId: "bench", Limit: 500})
		if err != nil {
			return err
		}
		leases := resp.GetLeases()
		if len(leases) == 0 {
			return nil
		}
		if err := parallel(len(leases), func(i int) error {
			l := leases[i]
			_, err := s.CompleteDelivery(ctx, &ledgerv1.CompleteDeliveryRequest{DeliveryId: l.GetDelivery().GetDeliveryId(),
				LeaseToken: l.GetLeaseToken(), DispatcherId: "bench"})
			return err
		}); err != nil {
			return err
		}
	}
}

// parallel runs fn(0..n-1) on 8 goroutines and returns the first error.
func parallel(n int, fn func(i int) error) error {
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < n; i += 8 {
				if err := fn(i); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// BenchmarkRetentionPass measures one pass over the store above.
func BenchmarkRetentionPass(b *testing.B) { benchRetention(b, false) }

// BenchmarkRetentionDryRun measures the dry run of the same pass.
func BenchmarkRetentionDryRun(b *testing.B) { benchRetention(b, true) }

func benchRetention(b *testing.B, dryRun bool) {
	p, err := retention.Parse(benchPolicy)
	if err != nil {
		b.Fatal(err)
	}
	var rep retention.Report
	var before, after int64
	for b.Loop() {
		b.StopTimer()
		path := benchStore(b, b.TempDir())
		s, err := sqlitestore.Open(b.Context(), path)
		if err != nil {
			b.Fatal(err)
		}
		sz, err := s.RetentionSizes(b.Context())
		if err != nil {
			b.Fatal(err)
		}
		before = tableBytes(sz)
		b.StartTimer()
		if rep, err = s.Retain(b.Context(), p, time.Now(), dryRun); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if sz, err = s.RetentionSizes(b.Context()); err != nil {
			b.Fatal(err)
		}
		after = tableBytes(sz)
		s.Close()
		b.StartTimer()
	}
	var payload int64
	for _, t := range rep.Tables {
		b.ReportMetric(float64(t.Rows), t.Table+"-rows")
		payload += t.Bytes
	}
	b.ReportMetric(float64(payload)/(1<<20), "payload-MiB")
	b.ReportMetric(float64(before)/(1<<20), "tables-MiB-before")
	b.ReportMetric(float64(after)/(1<<20), "tables-MiB-after")
	b.ReportMetric(float64(rep.Kept), "kept")
}

// tableBytes sums the tables' pages (dbstat): freed pages stay in the
// file for reuse, so the file itself does not shrink without VACUUM.
func tableBytes(sz retention.Sizes) int64 {
	var n int64
	for _, t := range sz.Tables {
		n += t.Bytes
	}
	return n
}
