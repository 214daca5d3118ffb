package postgres_test

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres/pgtest"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/storetest"
)

// The benchmarks below measure the store's statements as the services use
// them, concurrently, and report PostgreSQL's CPU per operation ("pg-µs/op":
// the backends of the benchmark's pool) beside the wall time. They are how the queue's layout was chosen; the
// whole system's figures come from `make bench`.

// benchBody is a webhook body of the benchmark mix's size (about 3 KB of
// JSON, compressible as real ones are).
func benchBody(eventID string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"id":%q,"object":"event","type":"payment_intent.succeeded","data":{"object":{`, eventID)
	for i := range 40 {
		fmt.Fprintf(&b, `"field_%d":"value %d of %s",`, i, i*7919, eventID)
	}
	b.WriteString(`"amount":1999,"currency":"usd"}}}`)
	return b.Bytes()
}

func benchRequest(eventID string) *ledgerv1.RecordRequest {
	r := storetest.Request("stripe", "", eventID, time.Now())
	r.Receipt.ReceiptId = uuid.Must(uuid.NewV7()).String()
	r.Receipt.Body = benchBody(eventID)
	return r
}

// backendCPU measures the CPU time of the PostgreSQL backends serving one
// pool, by their application_name, so that other users of the server do
// not count.
type backendCPU struct {
	b     *testing.B
	pool  *pgxpool.Pool
	app   string
	start map[int]time.Duration // set by the benchmark: start = read()
}

// read returns the CPU time used so far by each backend of the pool.
func (c *backendCPU) read() map[int]time.Duration {
	c.b.Helper()
	rows, err := c.pool.Query(c.b.Context(), `SELECT pid FROM pg_stat_activity WHERE application_name = $1`, c.app)
	if err != nil {
		c.b.Fatal(err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		c.b.Fatal(err)
	}
	cpu := make(map[int]time.Duration, len(pids))
	for _, pid := range pids {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue // not on this machine, or gone
		}
		// Fields after the command's closing parenthesis: utime and
		// stime are the 12th and 13th.
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		var ticks int64
		for _, s := range f[11:13] {
			n, _ := strconv.ParseInt(s, 10, 64)
			ticks += n
		}
		cpu[int(pid)] = time.Duration(ticks) * 10 * time.Millisecond // USER_HZ is 100 on Linux
	}
	return cpu
}

// report reports the backends' CPU per operation since start was read. A
// backend that ended meanwhile is not counted: pools here keep theirs.
func (c *backendCPU) report(ops int) {
	c.b.Helper()
	var used time.Duration
	for pid, t := range c.read() {
		used += t - c.start[pid]
	}
	if ops > 0 {
		c.b.ReportMetric(float64(used.Microseconds())/float64(ops), "pg-µs/op")
	}
}

func benchStore(b *testing.B) (*postgres.Store, *backendCPU) {
	b.Helper()
	cfg := pgtest.NewConfig(b)
	app := "hookmesh-bench-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	cfg.ConnConfig.RuntimeParams["application_name"] = app
	pool, err := pgxpool.NewWithConfig(b.Context(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	s := postgres.New(pool)
	b.Cleanup(s.Close)
	if _, err := s.CreateSubscription(b.Context(), &ledgerv1.CreateSubscriptionRequest{
		Subscription: storetest.Subscription("sink")}); err != nil {
		b.Fatal(err)
	}
	return s, &backendCPU{b: b, pool: pool, app: app}
}

// BenchmarkRecordParallel records new events, each with one delivery, from
// many goroutines, as the edges do: the group commit at work.
func BenchmarkRecordParallel(b *testing.B) {
	s, cpu := benchStore(b)
	var n atomic.Int64
	b.SetParallelism(16)
	cpu.start = cpu.read()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Record(b.Context(), benchRequest("evt_"+strconv.FormatInt(n.Add(1), 10))); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	cpu.report(b.N)
}

// BenchmarkDeliveryCycle claims and completes recorded deliveries from
// several goroutines, as dispatchers do: the queue's claim and outcome.
func BenchmarkDeliveryCycle(b *testing.B) {
	s, cpu := benchStore(b)
	for i := range b.N {
		if _, err := s.Record(b.Context(), benchRequest("evt_"+strconv.Itoa(i))); err != nil {
			b.Fatal(err)
		}
	}
	var done atomic.Int64
	b.SetParallelism(1)
	cpu.start = cpu.read()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if done.Load() >= int64(b.N) {
				continue
			}
			resp, err := s.ClaimDeliveries(b.Context(), &ledgerv1.ClaimDeliveriesRequest{DispatcherId: "bench", Limit: 16})
			if err != nil {
				b.Error(err)
				return
			}
			for _, l := range resp.GetLeases() {
				if _, err := s.CompleteDelivery(b.Context(), &ledgerv1.CompleteDeliveryRequest{
					DeliveryId: l.GetDelivery().GetDeliveryId(), LeaseToken: l.GetLeaseToken(), DispatcherId: "bench"}); err != nil {
					b.Error(err)
					return
				}
				done.Add(1)
			}
		}
	})
	b.StopTimer()
	cpu.report(int(done.Load()))
}
