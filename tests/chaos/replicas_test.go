package chaos

import (
	"bufio"
	"context"
	"fmt"
	"maps"
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

// replicaKills is the order in which TestReplicas kills one replica of
// each service, for good.
var replicaKills = []string{"edge-1", "normalizer-1", "ledger-1", "dispatcher-1"}

// TestReplicas runs two edges, two normalizers, two ledgers and two
// dispatchers on one PostgreSQL, each client balancing over both replicas
// of what it calls (a target listing both: HOOKMESH_LEDGER_TARGET=a,b), and
// sends the chaos load through both edges. Mid-stream it SIGKILLs one
// replica of each service, a second apart, and does not restart them: the
// survivors must carry on. Then it reconciles as TestChaos does: 0 lost,
// 0 doubled, everything delivered, no dead letter. It also checks that
// both replicas of each service did work before the kills (the clients
// balance), and that the survivors did after them.
func TestReplicas(t *testing.T) {
	began := time.Now()
	sys := startReplicas(t)
	db, err := pgxpool.New(context.Background(), sys.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	startup := time.Since(began)

	cfg := config{name: "replicas", rate: 20, senders: 32, warmup: 5 * time.Second, down: 0, gap: 2 * time.Second,
		tail: 5 * time.Second, rounds: 1, maxWait: 2 * time.Minute, drain: 2 * time.Minute,
		faults: "two of every service on one PostgreSQL, load through both edges; " + strings.Join(replicaKills, ", ") +
			" SIGKILLed a few seconds apart and never restarted (their rows below: killed = restarted = ready)"}
	gen := newGenerator(loadConfig{URLs: []string{"http://" + sys.http["edge-1"], "http://" + sys.http["edge-2"]},
		Rate: cfg.rate, Senders: cfg.senders, MaxWait: cfg.maxWait})
	loadCtx, stopLoad := context.WithCancel(context.Background())
	defer stopLoad()
	t0 := time.Now()
	genDone := make(chan struct{})
	go func() { gen.run(loadCtx); close(genDone) }()

	sleep(cfg.warmup)
	before := sys.work(t, db)
	var faults []fault
	for _, name := range replicaKills {
		f := fault{target: name, failures: gen.failures.Load(), killedAt: time.Now()}
		sys.procs[name].Kill()
		f.restarted, f.ready = f.killedAt, f.killedAt // never restarted: the survivor is "ready"
		f.firstAck = waitAckAfter(gen, f.killedAt, 60*time.Second)
		sleep(cfg.gap)
		f.failures = gen.failures.Load() - f.failures
		faults = append(faults, f)
		t.Logf("t=%5.1fs  %-12s killed; next 2xx after %s", f.killedAt.Sub(t0).Seconds(), name, f.firstAck.Sub(f.killedAt).Round(10*time.Millisecond))
	}
	killedAll := time.Now()
	sleep(cfg.tail)
	stopLoad()
	<-genDone
	loadStopped := time.Now()
	gen.wait()
	sendersDone := time.Now()

	drainedAt, drainErr := waitDrained(db, cfg.drain)
	pending := waitSettled(db, 30*time.Second)
	after := sys.work(t, db)

	r := reconcile(t, db, gen.snapshot())
	r.cfg, r.t0, r.startup = cfg, t0, startup
	r.loadStopped, r.sendersDone, r.drainedAt, r.drainErr, r.pendingAfterSettle = loadStopped, sendersDone, drainedAt, drainErr, pending
	r.attempts, r.outcomes, r.lagged = gen.attempts.Load(), gen.outcomes(), gen.lagged.Load()
	r.faults = fillDelivering(db, faults)
	killed := map[string]bool{}
	for _, name := range replicaKills {
		killed[name] = true
	}
	for name, p := range sys.procs {
		if !killed[name] && !p.Alive() {
			r.deadProcs = append(r.deadProcs, name)
		}
	}
	if dir := os.Getenv("CHAOS_LOG_DIR"); dir != "" {
		dumpLogs(t, dir, &system{procs: sys.procs})
	}
	report := r.String() + fmt.Sprintf("\nwork per replica before the kills: %v\nwork per replica at the end:       %v\n", before, after)
	fmt.Print(report)
	if !testing.Verbose() {
		t.Log("\n" + report)
	}
	for _, problem := range r.problems() {
		t.Error(problem)
	}
	// Balance: before the kills every replica had work; after them the
	// survivors did more.
	for _, name := range sortedReplicas() {
		if before[name] == 0 {
			t.Errorf("%s did no work in the %s before the kills (%v): its clients do not balance over both replicas", name, cfg.warmup, before)
		}
		if !killed[name] && after[name] <= before[name] {
			t.Errorf("%s did no more work after %s killed its peer (before %d, after %d)", name, time.Since(killedAll).Round(time.Second), before[name], after[name])
		}
	}
}

// replicas is TestReplicas' system: two of every service, one handler.
type replicas struct {
	dbURL string
	http  map[string]string // edge-N's webhook listener
	admin map[string]string // each process's admin listener
	procs map[string]*harness.Process
}

func sortedReplicas() []string {
	var names []string
	for _, svc := range []string{"edge", "normalizer", "ledger", "dispatcher"} {
		names = append(names, svc+"-1", svc+"-2")
	}
	return names
}

// startReplicas starts the handler, two ledgers, two normalizers, two
// edges and two dispatchers on free ports and one fresh database.
func startReplicas(t *testing.T) *replicas {
	t.Helper()
	dir := t.TempDir()
	bins := buildAll(t, dir)
	s := &replicas{dbURL: harness.NewDatabase(t), http: map[string]string{}, admin: map[string]string{}, procs: map[string]*harness.Process{}}
	grpcAddr := map[string]string{"handler": harness.FreeAddr(t)}
	for _, name := range sortedReplicas() {
		grpcAddr[name] = harness.FreeAddr(t)
		s.admin[name] = harness.FreeAddr(t)
	}
	s.http["edge-1"], s.http["edge-2"] = harness.FreeAddr(t), harness.FreeAddr(t)
	seed := filepath.Join(dir, "subscriptions.yaml")
	if err := os.WriteFile(seed, []byte(fmt.Sprintf(seedTemplate, grpcAddr["handler"])), 0o600); err != nil {
		t.Fatal(err)
	}
	both := func(svc string) string { return grpcAddr[svc+"-1"] + "," + grpcAddr[svc+"-2"] }
	common := commonEnv(s.dbURL, seed, grpcAddr["handler"])
	common["HOOKMESH_NORMALIZER_TARGET"] = both("normalizer")
	common["HOOKMESH_LEDGER_TARGET"] = both("ledger")
	start := func(name, bin string, own map[string]string) {
		env := maps.Clone(common)
		maps.Copy(env, own)
		s.procs[name] = harness.Start(t, name, bin, env)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	start("handler", bins["handler"], nil)
	if err := waitServing(ctx, grpcAddr["handler"]); err != nil {
		t.Fatalf("handler not ready: %v\n%s", err, s.procs["handler"].Logs())
	}
	for _, i := range []string{"1", "2"} {
		start("ledger-"+i, bins["ledger"], map[string]string{
			"HOOKMESH_LEDGER_GRPC_ADDR": grpcAddr["ledger-"+i], "HOOKMESH_LEDGER_ADMIN_ADDR": s.admin["ledger-"+i]})
		start("normalizer-"+i, bins["normalizer"], map[string]string{
			"HOOKMESH_NORMALIZER_GRPC_ADDR": grpcAddr["normalizer-"+i], "HOOKMESH_NORMALIZER_ADMIN_ADDR": s.admin["normalizer-"+i]})
	}
	for _, name := range []string{"ledger-1", "ledger-2", "normalizer-1", "normalizer-2"} {
		if err := waitServing(ctx, grpcAddr[name]); err != nil {
			t.Fatalf("%s not ready: %v\n%s", name, err, s.procs[name].Logs())
		}
	}
	for _, i := range []string{"1", "2"} {
		start("edge-"+i, bins["edge"], map[string]string{
			"HOOKMESH_HTTP_ADDR": s.http["edge-"+i], "HOOKMESH_ADMIN_ADDR": s.admin["edge-"+i],
			"HOOKMESH_EDGE_GRPC_ADDR": grpcAddr["edge-"+i]})
		start("dispatcher-"+i, bins["dispatcher"], map[string]string{
			"HOOKMESH_DISPATCHER_GRPC_ADDR": grpcAddr["dispatcher-"+i], "HOOKMESH_DISPATCHER_ADMIN_ADDR": s.admin["dispatcher-"+i],
			"HOOKMESH_DISPATCHER_ID": "replica-dispatcher-" + i})
	}
	for _, i := range []string{"1", "2"} {
		if err := harness.WaitHTTP(ctx, "http://"+s.http["edge-"+i]+"/ready", http.StatusOK); err != nil {
			t.Fatalf("edge-%s not ready: %v\n%s", i, err, s.procs["edge-"+i].Logs())
		}
		if err := waitServing(ctx, grpcAddr["dispatcher-"+i]); err != nil {
			t.Fatalf("dispatcher-%s not ready: %v\n%s", i, err, s.procs["dispatcher-"+i].Logs())
		}
	}
	return s
}

// work counts what each replica has done so far: webhooks accepted by
// each edge and normalizations by each normalizer (their metrics), Records
// committed by each ledger (its metric), and delivery attempts made by
// each dispatcher (the ledger's history, by dispatcher id). A killed
// replica keeps the count it had (-1 if it was never read).
func (s *replicas) work(t *testing.T, db *pgxpool.Pool) map[string]int64 {
	t.Helper()
	metric := map[string]string{
		"edge":       "hookmesh_webhook_requests_total",
		"normalizer": "hookmesh_normalizer_requests_total",
		"ledger":     "hookmesh_ledger_record_duration_seconds_count",
	}
	out := map[string]int64{}
	for _, name := range sortedReplicas() {
		svc, _, _ := strings.Cut(name, "-")
		if svc == "dispatcher" {
			var n int64
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err := db.QueryRow(ctx, `SELECT count(*) FROM delivery_attempts WHERE dispatcher_id = $1`, "replica-"+name).Scan(&n)
			cancel()
			if err != nil {
				t.Errorf("attempts of %s: %v", name, err)
			}
			out[name] = n
			continue
		}
		if !s.procs[name].Alive() {
			out[name] = -1
			continue
		}
		n, err := scrapeSum(s.admin[name], metric[svc])
		if err != nil {
			t.Errorf("metrics of %s: %v", name, err)
		}
		out[name] = n
	}
	return out
}

// scrapeSum adds up every sample of the metric family name on the admin
// listener at addr.
func scrapeSum(addr, name string) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var sum float64
	found := false
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %q: %w", name, line, err)
		}
		sum += v
		found = true
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	if !found {
		return 0, fmt.Errorf("no %s on %s", name, addr)
	}
	return int64(sum), nil
}
