package chaos

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hookmesh/hookmesh/tests/harness"
)

// config is the shape of one run.
type config struct {
	name      string
	rate      float64       // webhooks per second
	senders   int           // concurrent senders
	warmup    time.Duration // load before the first fault
	down      time.Duration // how long a killed service stays down
	gap       time.Duration // load between a recovery and the next fault
	tail      time.Duration // load after the last fault
	rounds    int           // how many times each service is killed
	pgRestart bool          // restart PostgreSQL once (after the first round)
	// faults, when set, describes the faults for the report instead of
	// the kill rounds (TestReplicas).
	faults  string
	maxWait time.Duration // senders give up retrying this long after the load stops
	drain   time.Duration // deadline for every event to reach the handler
}

// configFromEnv returns the short form (inside make test) or, with
// CHAOS_LONG=1, the long form (make chaos). CHAOS_RATE, CHAOS_SENDERS and
// CHAOS_ROUNDS override the numbers of either.
func configFromEnv(t *testing.T) config {
	c := config{
		name: "short", rate: 20, senders: 32,
		warmup: 4 * time.Second, down: 2 * time.Second, gap: 4 * time.Second, tail: 4 * time.Second,
		rounds: 1, maxWait: 2 * time.Minute, drain: 2 * time.Minute,
	}
	if os.Getenv("CHAOS_LONG") != "" && os.Getenv("CHAOS_LONG") != "0" {
		c = config{
			name: "long", rate: 60, senders: 128,
			warmup: 5 * time.Second, down: 3 * time.Second, gap: 8 * time.Second, tail: 10 * time.Second,
			rounds: 3, pgRestart: true, maxWait: 3 * time.Minute, drain: 3 * time.Minute,
		}
	}
	if v, err := strconv.ParseFloat(os.Getenv("CHAOS_RATE"), 64); err == nil && v > 0 {
		c.rate = v
	}
	if v, err := strconv.Atoi(os.Getenv("CHAOS_SENDERS")); err == nil && v > 0 {
		c.senders = v
	}
	if v, err := strconv.Atoi(os.Getenv("CHAOS_ROUNDS")); err == nil && v > 0 {
		c.rounds = v
	}
	return c
}

// fault is one injected failure and how the system came back.
type fault struct {
	target     string
	killedAt   time.Time // SIGKILL sent (or the PostgreSQL restart begun)
	restarted  time.Time // process started again (or pg_ctlcluster returned)
	ready      time.Time // ready again: own health, and the edge's /ready where it depends on it
	firstAck   time.Time // the first 2xx sent after the restart
	delivering time.Time // the first handler record after the restart (filled in by the report)
	failures   int64     // failed webhook attempts from the kill to the next fault
}

// healed is when the fault was over: ready and acknowledging again.
func (f fault) healed() time.Time {
	if f.firstAck.After(f.ready) {
		return f.firstAck
	}
	return f.ready
}

func TestChaos(t *testing.T) {
	cfg := configFromEnv(t)
	began := time.Now()
	sys := startSystem(t)
	db, err := pgxpool.New(context.Background(), sys.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	startup := time.Since(began)

	gen := newGenerator(loadConfig{URLs: []string{"http://" + sys.httpAddr}, Rate: cfg.rate, Senders: cfg.senders, MaxWait: cfg.maxWait})
	loadCtx, stopLoad := context.WithCancel(context.Background())
	defer stopLoad()
	t0 := time.Now()
	genDone := make(chan struct{})
	go func() { gen.run(loadCtx); close(genDone) }()

	var faults []fault
	sleep(cfg.warmup)
	for round := range cfg.rounds {
		for _, name := range faultOrder {
			f := killAndRestart(t, sys, gen, name, cfg.down)
			sleep(cfg.gap)
			f.failures = gen.failures.Load() - f.failures
			faults = append(faults, f)
			t.Logf("t=%5.1fs  %-10s killed, back after %s", f.killedAt.Sub(t0).Seconds(), name, f.healed().Sub(f.killedAt).Round(10*time.Millisecond))
		}
		if cfg.pgRestart && round == 0 {
			f := restartPostgresFault(t, sys, gen)
			sleep(cfg.gap)
			f.failures = gen.failures.Load() - f.failures
			faults = append(faults, f)
			t.Logf("t=%5.1fs  postgresql restarted, back after %s", f.killedAt.Sub(t0).Seconds(), f.healed().Sub(f.killedAt).Round(10*time.Millisecond))
		}
	}
	sleep(cfg.tail)
	stopLoad()
	<-genDone
	loadStopped := time.Now()
	gen.wait()
	sendersDone := time.Now()

	// Drain: every acknowledged event, normalized or failed transiently (and
	// re-normalized by the dispatcher), must reach the handler.
	drainedAt, drainErr := waitDrained(db, cfg.drain)
	// Then let the ledger settle (deliveries whose outcome report was lost
	// come due again when their lease expires).
	pending := waitSettled(db, 30*time.Second)

	r := reconcile(t, db, gen.snapshot())
	r.cfg, r.t0, r.startup = cfg, t0, startup
	r.loadStopped, r.sendersDone, r.drainedAt, r.drainErr, r.pendingAfterSettle = loadStopped, sendersDone, drainedAt, drainErr, pending
	r.attempts, r.outcomes, r.lagged = gen.attempts.Load(), gen.outcomes(), gen.lagged.Load()
	r.faults = fillDelivering(db, faults)
	for name, p := range sys.procs {
		if !p.Alive() {
			r.deadProcs = append(r.deadProcs, name)
		}
	}
	if dir := os.Getenv("CHAOS_LOG_DIR"); dir != "" {
		dumpLogs(t, dir, sys)
	}
	report := r.String()
	fmt.Print(report)
	if !testing.Verbose() {
		t.Log("\n" + report) // with -v stdout already shows it
	}
	for _, problem := range r.problems() {
		t.Error(problem)
	}
}

func sleep(d time.Duration) { time.Sleep(d) }

// dumpLogs writes each process's output (every incarnation) to dir.
func dumpLogs(t *testing.T, dir string, sys *system) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Errorf("CHAOS_LOG_DIR: %v", err)
		return
	}
	for name, p := range sys.procs {
		if err := os.WriteFile(filepath.Join(dir, name+".log"), []byte(p.Logs()), 0o644); err != nil {
			t.Errorf("CHAOS_LOG_DIR: %v", err)
		}
	}
	t.Logf("process logs written to %s", dir)
}

// killAndRestart SIGKILLs one service, keeps it down for down, restarts it
// and waits until it (and the edge, for what the edge depends on) is
// ready and webhooks are acknowledged again. fault.failures holds the
// failure counter at the kill; the caller turns it into a difference.
func killAndRestart(t *testing.T, sys *system, gen *generator, name string, down time.Duration) fault {
	t.Helper()
	p := sys.procs[name]
	f := fault{target: name, failures: gen.failures.Load(), killedAt: time.Now()}
	p.Kill()
	sleep(down)
	p.Restart(t)
	f.restarted = time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := sys.waitReady(ctx, name); err != nil {
		t.Fatalf("%s not ready after restart: %v\n%s", name, err, p.Logs())
	}
	if name == "normalizer" || name == "ledger" {
		if err := sys.waitReady(ctx, "edge"); err != nil {
			t.Fatalf("edge not ready after %s restart: %v", name, err)
		}
	}
	f.ready = time.Now()
	f.firstAck = waitAckAfter(gen, f.restarted, 60*time.Second)
	return f
}

// restartPostgresFault restarts the PostgreSQL cluster under the running
// system and waits until it answers, the edge is ready and webhooks are
// acknowledged again.
func restartPostgresFault(t *testing.T, sys *system, gen *generator) fault {
	t.Helper()
	f := fault{target: "postgresql", failures: gen.failures.Load(), killedAt: time.Now()}
	if out, err := restartPostgres(); err != nil {
		t.Fatalf("restart PostgreSQL: %v\n%s", err, out)
	}
	f.restarted = time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		if c, err := pgxpool.New(ctx, sys.dbURL); err == nil {
			err = c.Ping(ctx)
			c.Close()
			if err == nil {
				break
			}
		}
		if ctx.Err() != nil {
			t.Fatalf("PostgreSQL not back after restart")
		}
		sleep(100 * time.Millisecond)
	}
	if err := harness.WaitHTTP(ctx, "http://"+sys.httpAddr+"/ready", http.StatusOK); err != nil {
		t.Fatalf("edge not ready after the PostgreSQL restart: %v", err)
	}
	f.ready = time.Now()
	f.firstAck = waitAckAfter(gen, f.restarted, 60*time.Second)
	return f
}

// waitAckAfter returns when the first 2xx after since arrived (zero if
// none within d).
func waitAckAfter(gen *generator, since time.Time, d time.Duration) time.Time {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if last := gen.lastAck.Load(); last > since.UnixNano() {
			return time.Unix(0, last)
		}
		sleep(20 * time.Millisecond)
	}
	return time.Time{}
}

// undeliveredSQL counts the events that must reach the handler (normalized,
// or waiting for a re-normalization after a transient failure) no handler
// record belongs to.
const undeliveredSQL = `
SELECT count(*) FROM events e
WHERE (e.normalization_error = '' OR e.renormalize_at IS NOT NULL)
  AND NOT EXISTS (
    SELECT 1 FROM deliveries d JOIN ` + HandlerSchema + `.received r ON r.delivery_id = d.delivery_id::text
    WHERE d.event_row_id = e.id)`

// waitDrained polls until every event of undeliveredSQL in the ledger has been
// recorded by the handler, and returns when it saw that.
func waitDrained(db *pgxpool.Pool, timeout time.Duration) (time.Time, error) {
	deadline := time.Now().Add(timeout)
	var n int64 = -1
	var lastErr error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := db.QueryRow(ctx, undeliveredSQL).Scan(&n)
		cancel()
		if err == nil && n == 0 {
			return time.Now(), nil
		}
		lastErr = err
		sleep(250 * time.Millisecond)
	}
	if lastErr != nil {
		return time.Time{}, fmt.Errorf("not drained after %s (%d undelivered; last error %v)", timeout, n, lastErr)
	}
	return time.Time{}, fmt.Errorf("not drained after %s: %d events that must be delivered never reached the handler", timeout, n)
}

// waitSettled waits until no delivery is pending and returns how many still
// are after timeout.
func waitSettled(db *pgxpool.Pool, timeout time.Duration) int64 {
	deadline := time.Now().Add(timeout)
	var n int64 = -1
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = db.QueryRow(ctx, `SELECT count(*) FROM deliveries WHERE state = 1`).Scan(&n)
		cancel()
		if n == 0 || time.Now().After(deadline) {
			return n
		}
		sleep(250 * time.Millisecond)
	}
}

// fillDelivering sets each fault's first handler record after its restart.
func fillDelivering(db *pgxpool.Pool, faults []fault) []fault {
	for i := range faults {
		var at *time.Time
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = db.QueryRow(ctx, `SELECT min(received_at) FROM `+HandlerSchema+`.received WHERE received_at >= $1`, faults[i].restarted).Scan(&at)
		cancel()
		if at != nil {
			faults[i].delivering = *at
		}
	}
	return faults
}

// truncate shortens s for the report.
func truncate(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
