// Package outage measures what a handler outage costs a running hookmesh:
// history rows, dispatcher log lines and CPU seconds (ledger, dispatcher,
// PostgreSQL) while a backlog waits for handlers that are down, and the
// acknowledgement latency of new webhooks meanwhile. It is a measurement,
// not a check of make test: it runs only with HOOKMESH_OUTAGE_BENCH=1 (about
// 6 minutes). See README.md.
package outage

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	handlerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/handler/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/tests/harness"
)

// settings of one run, from the environment.
type settings struct {
	backlog int           // pending deliveries to the broken subscriptions
	subs    int           // broken subscriptions, each with its own handler
	outage  time.Duration // how long the handlers stay down (and the baseline lasts)
	rate    int           // webhooks per second to the healthy subscription
}

func loadSettings(t *testing.T) settings {
	s := settings{backlog: 10000, subs: 5, outage: 2 * time.Minute, rate: 20}
	for k, p := range map[string]*int{"OUTAGE_BACKLOG": &s.backlog, "OUTAGE_SUBSCRIPTIONS": &s.subs, "OUTAGE_RATE": &s.rate} {
		if v := os.Getenv(k); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				t.Fatalf("%s=%q: want a positive integer", k, v)
			}
			*p = n
		}
	}
	if v := os.Getenv("OUTAGE_FOR"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			t.Fatalf("OUTAGE_FOR=%q: want a positive duration", v)
		}
		s.outage = d
	}
	return s
}

// run is the system under measurement.
type run struct {
	procs  map[string]*harness.Process
	db     *pgx.Conn
	dbName string
	ledger ledgerv1.LedgerServiceClient
	acks   *ackRecorder
	settings
}

// phase is what one phase of the run cost.
type phase struct {
	name                   string
	rowsDown, rowsAll      int64
	linesDown, linesAll    int
	cpu                    map[string]float64
	ackP50, ackP99, ackMax time.Duration
	acked, failed          int
	healthyP50, healthyP99 time.Duration
	healthyDelivered       int64
	pendingDown            int64
	// history of the broken subscriptions' deliveries in the phase: counted
	// failures, uncounted breaker entries of a call, breaker deferrals
	// without a call.
	counted, breakerCalls, breakerHeld int64
}

func TestOutageCost(t *testing.T) {
	if os.Getenv("HOOKMESH_OUTAGE_BENCH") == "" {
		t.Skip("a measurement of several minutes: HOOKMESH_OUTAGE_BENCH=1 runs it (see README.md)")
	}
	cfg := loadSettings(t)
	r := start(t, cfg)
	r.fillBacklog(t)

	// Warm the edge, the normalizer and the healthy path before measuring.
	warm, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	r.acks.run(warm, cfg.rate)
	cancel()
	r.acks.take()

	base := r.measure(t, "baseline", nil)
	out := r.measure(t, "outage", func() { r.resumeBroken(t) })
	report(t, cfg, base, out)
	r.recover(t)
}

// start builds and starts the services: one ledger, normalizer, edge and
// dispatcher at their defaults (log level info, breaker 5 failures / 30 s),
// cfg.subs broken handlers answering UNAVAILABLE, one healthy handler.
func start(t *testing.T, cfg settings) *run {
	dir := t.TempDir()
	bins := harness.Build(t, dir)
	var seed strings.Builder
	seed.WriteString("subscriptions:\n")
	for i := range cfg.subs {
		h := harness.StartHandler(t, func(context.Context, *handlerv1.HandleEventRequest) error {
			if down.Load() {
				return status.Error(codes.Unavailable, "handler down")
			}
			return nil
		})
		// Paused until the outage phase: the backlog is recorded first.
		fmt.Fprintf(&seed, "  - {name: down-%d, target: %q, platforms: [stripe], timeout: 5s, paused: true}\n", i+1, h.Addr)
	}
	healthy := harness.StartHandler(t, nil)
	fmt.Fprintf(&seed, "  - {name: healthy, target: %q, platforms: [github], timeout: 5s}\n", healthy.Addr)
	seedFile := filepath.Join(dir, "subscriptions.yaml")
	if err := os.WriteFile(seedFile, []byte(seed.String()), 0o600); err != nil {
		t.Fatal(err)
	}

	dbURL := harness.NewDatabase(t)
	u, _ := url.Parse(dbURL)
	addr := map[string]string{}
	for _, n := range []string{"ledger", "normalizer", "edge", "dispatcher", "http"} {
		addr[n] = harness.FreeAddr(t)
	}
	env := map[string]string{
		"DATABASE_URL":                   dbURL,
		"HOOKMESH_HTTP_ADDR":             addr["http"],
		"HOOKMESH_ADMIN_ADDR":            harness.FreeAddr(t),
		"HOOKMESH_NORMALIZER_ADMIN_ADDR": harness.FreeAddr(t),
		"HOOKMESH_LEDGER_ADMIN_ADDR":     harness.FreeAddr(t),
		"HOOKMESH_DISPATCHER_ADMIN_ADDR": harness.FreeAddr(t),
		"HOOKMESH_EDGE_GRPC_ADDR":        addr["edge"],
		"HOOKMESH_NORMALIZER_GRPC_ADDR":  addr["normalizer"],
		"HOOKMESH_LEDGER_GRPC_ADDR":      addr["ledger"],
		"HOOKMESH_DISPATCHER_GRPC_ADDR":  addr["dispatcher"],
		"HOOKMESH_NORMALIZER_TARGET":     addr["normalizer"],
		"HOOKMESH_LEDGER_TARGET":         addr["ledger"],
		"HOOKMESH_SUBSCRIPTIONS_FILE":    seedFile,
		"HOOKMESH_DISPATCHER_ID":         "outage-dispatcher",
		"HOOKMESH_DEV_SECRETS":           "true",
		"HOOKMESH_RATE_LIMIT_PLATFORM":   "0",
		"HOOKMESH_RATE_LIMIT_SOURCE":     "0",
		"HOOKMESH_LOG_LEVEL":             "info",
	}
	r := &run{procs: map[string]*harness.Process{}, dbName: strings.TrimPrefix(u.Path, "/"), settings: cfg}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	for _, name := range []string{"ledger", "normalizer", "edge", "dispatcher"} {
		r.procs[name] = harness.Start(t, name, bins[name], env)
		if name == "edge" {
			if err := harness.WaitHTTP(ctx, "http://"+addr["http"]+"/ready", 200); err != nil {
				t.Fatalf("edge not ready: %v\n%s", err, r.procs[name].Logs())
			}
			continue
		}
		conn, err := grpc.NewClient(addr[name], grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		if err := harness.WaitServing(ctx, conn); err != nil {
			t.Fatalf("%s not serving: %v\n%s", name, err, r.procs[name].Logs())
		}
		if name == "ledger" {
			r.ledger = ledgerv1.NewLedgerServiceClient(conn)
		}
	}
	db, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(context.Background()) })
	r.db = db
	r.acks = newAckRecorder(addr["http"], "github")
	return r
}

// down is what the broken handlers answer: UNAVAILABLE while true.
var down atomic.Bool

func init() { down.Store(true) }

// fillBacklog records backlog/subs Stripe events straight into the ledger
// (each gets one delivery per broken subscription) and waits until they
// are all pending.
func (r *run) fillBacklog(t *testing.T) {
	events := r.backlog / r.subs
	var wg sync.WaitGroup
	var failed atomic.Int64
	for w := range 16 {
		wg.Go(func() {
			for i := w; i < events; i += 16 {
				if err := record(r.ledger, fmt.Sprintf("evt_outage_%d", i)); err != nil {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		t.Fatalf("%d of %d backlog records failed", n, events)
	}
	if got := r.count(t, `SELECT count(*) FROM deliveries WHERE state = 1 AND subscription LIKE 'down-%'`); got != int64(events*r.subs) {
		t.Fatalf("backlog: %d pending deliveries, want %d", got, events*r.subs)
	}
	// Vacuum the bulk load now, so autovacuum does not land in one phase
	// and not the other.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := r.db.Exec(ctx, `VACUUM ANALYZE`); err != nil {
		t.Fatalf("vacuum: %v", err)
	}
}

func record(led ledgerv1.LedgerServiceClient, eventID string) error {
	now := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := led.Record(ctx, &ledgerv1.RecordRequest{
		Receipt: &ledgerv1.Receipt{
			ReceiptId: uuid.NewString(), Platform: "stripe", EventId: eventID,
			Headers: map[string]string{"content-type": "application/json"}, Body: []byte(`{"id":"` + eventID + `"}`),
			ReceivedAt: timestamppb.New(now), RemoteAddr: "127.0.0.1:1",
		},
		Event: &eventv1.NormalizedEvent{
			EventId: eventID, Platform: "stripe", EventType: eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
			SourceEventType: "payment_intent.succeeded", OccurredAt: timestamppb.New(now), ReceivedAt: timestamppb.New(now),
			EntityType: "payment_intent", EntityId: "pi_" + eventID, Amount: &eventv1.Money{MinorUnits: 1999, Currency: "USD"},
			SchemaVersion: 1,
		},
	})
	return err
}

// resumeBroken starts the outage: the broken subscriptions' backlog
// becomes claimable while their handlers answer UNAVAILABLE.
func (r *run) resumeBroken(t *testing.T) {
	for i := range r.subs {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := r.ledger.ResumeSubscription(ctx, &ledgerv1.ResumeSubscriptionRequest{Name: fmt.Sprintf("down-%d", i+1)})
		cancel()
		if err != nil {
			t.Fatalf("resume down-%d: %v", i+1, err)
		}
	}
}

func (r *run) count(t *testing.T, sql string, args ...any) int64 {
	t.Helper()
	var n int64
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.db.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// counters are the cumulative figures a phase is the difference of.
type counters struct {
	at                  time.Time
	rowsDown, rowsAll   int64
	linesDown, linesAll int
	cpu                 cpuSnapshot
}

func (r *run) snap(t *testing.T) counters {
	c := counters{at: time.Now(), cpu: cpuSnapshot{}}
	c.rowsDown = r.count(t, `SELECT count(*) FROM delivery_attempts a JOIN deliveries d USING (delivery_id) WHERE d.subscription LIKE 'down-%'`)
	c.rowsAll = r.count(t, `SELECT count(*) FROM delivery_attempts`)
	for _, line := range strings.Split(r.procs["dispatcher"].Logs(), "\n") {
		if line == "" {
			continue
		}
		c.linesAll++
		if !strings.Contains(line, "subscription=healthy") {
			c.linesDown++
		}
	}
	for _, name := range []string{"ledger", "dispatcher", "edge", "normalizer"} {
		c.cpu[name+"/"] = cpuSeconds(r.procs[name].Pid())
	}
	for _, pid := range postgresBackends(r.dbName) {
		c.cpu["postgres/"+strconv.Itoa(pid)] = cpuSeconds(pid)
	}
	return c
}

// measure runs the healthy load for the outage's length, calling begin
// (if any) right after the first snapshot, and returns what the phase
// cost.
func (r *run) measure(t *testing.T, name string, begin func()) phase {
	before := r.snap(t)
	if begin != nil {
		begin()
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.outage)
	r.acks.run(ctx, r.rate)
	cancel()
	after := r.snap(t)
	lat, failed := r.acks.take()
	p := phase{
		name: name, rowsDown: after.rowsDown - before.rowsDown, rowsAll: after.rowsAll - before.rowsAll,
		linesDown: after.linesDown - before.linesDown, linesAll: after.linesAll - before.linesAll,
		cpu:    cpuBetween(before.cpu, after.cpu),
		ackP50: percentile(lat, 50), ackP99: percentile(lat, 99), ackMax: percentile(lat, 100),
		acked: len(lat), failed: failed,
	}
	// Healthy deliveries of the phase: recorded to first OK.
	var p50, p99 float64
	ctxQ, cancelQ := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancelQ()
	err := r.db.QueryRow(ctxQ, `
SELECT count(*), coalesce(percentile_disc(0.5) WITHIN GROUP (ORDER BY took), 0),
    coalesce(percentile_disc(0.99) WITHIN GROUP (ORDER BY took), 0)
FROM (SELECT extract(epoch FROM min(a.at) - d.created_at) * 1000 AS took
      FROM deliveries d JOIN delivery_attempts a USING (delivery_id)
      WHERE d.subscription = 'healthy' AND a.code = 'OK' AND d.created_at >= $1 AND d.created_at < $2
      GROUP BY d.delivery_id, d.created_at) x`, before.at, after.at).Scan(&p.healthyDelivered, &p50, &p99)
	if err != nil {
		t.Fatalf("healthy delivery latency: %v", err)
	}
	p.healthyP50, p.healthyP99 = time.Duration(p50*float64(time.Millisecond)), time.Duration(p99*float64(time.Millisecond))
	p.pendingDown = r.count(t, `SELECT count(*) FROM deliveries WHERE state = 1 AND subscription LIKE 'down-%'`)
	kinds := `SELECT count(*) FROM delivery_attempts a JOIN deliveries d USING (delivery_id)
WHERE d.subscription LIKE 'down-%' AND a.at >= $1 AND a.at < $2 AND `
	p.counted = r.count(t, kinds+`a.attempt > 0`, before.at, after.at)
	p.breakerCalls = r.count(t, kinds+`a.attempt = 0 AND a.error_class = 5 AND a.code <> ''`, before.at, after.at)
	p.breakerHeld = r.count(t, kinds+`a.attempt = 0 AND a.error_class = 5 AND a.code = ''`, before.at, after.at)
	return p
}

func report(t *testing.T, cfg settings, phases ...phase) {
	var b strings.Builder
	fmt.Fprintf(&b, "outage: %d pending deliveries on %d subscriptions whose handlers answer UNAVAILABLE for %v; "+
		"meanwhile %d webhooks/s to a healthy subscription (same load in the baseline, handlers up, broken subscriptions paused)\n",
		cfg.backlog, cfg.subs, cfg.outage, cfg.rate)
	fmt.Fprintf(&b, "%-9s %13s %9s %15s %10s %10s %10s %10s %10s %10s %8s %8s %8s %7s %12s %12s\n",
		"phase", "rows(broken)", "rows(all)", "lines(!healthy)", "lines(all)",
		"cpu_ledger", "cpu_disp", "cpu_pg", "cpu_sum", "cpu_edge+n", "ack_p50", "ack_p99", "ack_max", "failed",
		"deliv_p50", "deliv_p99")
	for _, p := range phases {
		sum := p.cpu["ledger"] + p.cpu["dispatcher"] + p.cpu["postgres"]
		fmt.Fprintf(&b, "%-9s %13d %9d %15d %10d %10.2f %10.2f %10.2f %10.2f %10.2f %8s %8s %8s %7d %12s %12s\n",
			p.name, p.rowsDown, p.rowsAll, p.linesDown, p.linesAll,
			p.cpu["ledger"], p.cpu["dispatcher"], p.cpu["postgres"], sum, p.cpu["edge"]+p.cpu["normalizer"],
			ms(p.ackP50), ms(p.ackP99), ms(p.ackMax), p.failed, ms(p.healthyP50), ms(p.healthyP99))
	}
	for _, p := range phases {
		fmt.Fprintf(&b, "%s: history rows of the broken subscriptions: %d counted failed calls, %d uncounted breaker entries of a call "+
			"(the call that opened a breaker, calls in flight then, failed trials), %d breaker deferrals without a call\n",
			p.name, p.counted, p.breakerCalls, p.breakerHeld)
	}
	if len(phases) == 2 {
		a, o := phases[0], phases[1]
		sum := func(p phase) float64 { return p.cpu["ledger"] + p.cpu["dispatcher"] + p.cpu["postgres"] }
		fmt.Fprintf(&b, "added by the outage: %d history rows of the broken subscriptions, %d dispatcher log lines not about the healthy one, "+
			"%.2f CPU s (ledger %+.2f, dispatcher %+.2f, postgres %+.2f); still pending at its end: %d\n",
			o.rowsDown-a.rowsDown, o.linesDown-a.linesDown, sum(o)-sum(a),
			o.cpu["ledger"]-a.cpu["ledger"], o.cpu["dispatcher"]-a.cpu["dispatcher"], o.cpu["postgres"]-a.cpu["postgres"], o.pendingDown)
	}
	fmt.Print(b.String())
	t.Log("\n" + b.String())
}

// recover brings the handlers back and checks that the outage lost
// nothing and burned no attempts: every held delivery is delivered, none
// is a dead letter.
func (r *run) recover(t *testing.T) {
	down.Store(false)
	start := time.Now()
	deadline := start.Add(5 * time.Minute)
	for r.count(t, `SELECT count(*) FROM deliveries WHERE state = 1 AND subscription LIKE 'down-%'`) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the backlog did not drain within 5 minutes of the handlers' return")
		}
		time.Sleep(500 * time.Millisecond)
	}
	dead := r.count(t, `SELECT count(*) FROM deliveries WHERE state = 3`)
	maxAttempts := r.count(t, `SELECT coalesce(max(attempts), 0) FROM deliveries WHERE subscription LIKE 'down-%'`)
	delivered := r.count(t, `SELECT count(*) FROM deliveries WHERE state = 2 AND subscription LIKE 'down-%'`)
	line := fmt.Sprintf("recovery: %d held deliveries delivered %v after the handlers' return; dead letters %d; most counted attempts of one delivery %d\n",
		delivered, time.Since(start).Round(time.Second), dead, maxAttempts)
	fmt.Print(line)
	t.Log(line)
	if dead != 0 {
		t.Errorf("%d dead letters: the outage burned attempts", dead)
	}
	if delivered != int64(r.backlog/r.subs*r.subs) {
		t.Errorf("%d delivered, want %d", delivered, r.backlog/r.subs*r.subs)
	}
}
