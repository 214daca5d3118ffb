package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookmesh/hookmesh/bench/internal/load"
	"github.com/hookmesh/hookmesh/bench/internal/procstat"
	"github.com/hookmesh/hookmesh/bench/internal/stats"
	"github.com/hookmesh/hookmesh/services/edge"
)

// Step is the outcome of one step of one system: every figure of the JSON.
type Step struct {
	System       string         `json:"system"`
	Name         string         `json:"step"` // "rate-500", "saturation", "growth-500"
	Mode         string         `json:"mode"`
	TargetRate   float64        `json:"target_rate,omitempty"`
	Concurrency  int            `json:"concurrency"`
	Planned      int            `json:"planned"`
	Sent         int            `json:"sent"`
	NotSent      int            `json:"not_sent"`
	Late         int            `json:"late"`
	MaxLagMs     float64        `json:"max_send_lag_ms"`
	OK           int            `json:"acked"`
	Status       map[string]int `json:"status"`
	Errors       map[string]int `json:"transport_errors,omitempty"`
	ErrorRate    float64        `json:"error_rate"`
	DurationS    float64        `json:"duration_s"`
	AchievedRate float64        `json:"achieved_rate"`
	BytesPerReq  float64        `json:"mean_body_bytes"`
	Ack          stats.Summary  `json:"ack_latency"`
	// Systems with a sink (every hookmesh form): delivery to it.
	E2E            *stats.Summary `json:"e2e_latency,omitempty"`
	Delivered      int            `json:"delivered,omitempty"`
	DeliveryRate   float64        `json:"delivery_rate,omitempty"`
	BacklogAtEnd   int            `json:"backlog_at_end,omitempty"`
	DrainS         float64        `json:"drain_s,omitempty"`
	Drained        bool           `json:"drained,omitempty"`
	DeliveryKeptUp *bool          `json:"delivery_kept_up,omitempty"`
	DuplicateCalls int            `json:"duplicate_handler_calls,omitempty"`
	// PgWaits counts what the system's active PostgreSQL sessions were
	// waiting on, sampled every 100 ms during the load ("CPU" = not waiting).
	PgWaits map[string]int             `json:"pg_wait_samples,omitempty"`
	CPU     CPU                        `json:"cpu"`
	RSS     map[string]procstat.Memory `json:"rss"`
	// Filter is the subscription filter's cost in the ledger (saturation
	// steps of the hookmesh systems, when there is a filter).
	Filter *FilterCost `json:"filter,omitempty"`
}

// CPU is the CPU time spent during a step (for a system with a sink,
// until its deliveries drained), in seconds.
type CPU struct {
	Services map[string]float64 `json:"services_s"`
	// PostgresDB is the backends of the system's own database;
	// PostgresShared the server-wide processes (WAL writer, checkpointer,
	// ...), which every database of the server shares. Both are zero for
	// a system without PostgreSQL (run-sqlite): the server's CPU is then
	// in PostgresOtherDBs, someone else's.
	PostgresDB     float64 `json:"postgres_db_s"`
	PostgresShared float64 `json:"postgres_shared_s"`
	// System is services + PostgresDB + PostgresShared.
	System      float64 `json:"system_s"`
	PerThousand float64 `json:"system_s_per_1000"`
	Sink        float64 `json:"sink_s,omitempty"`
	Loadgen     float64 `json:"loadgen_s"`
	// LoadgenShare is the generator's part of system + generator.
	LoadgenShare float64 `json:"loadgen_share"`
	// MachineBusy is every core's busy time; Other is what none of the
	// above spent: other users of the machine (noise).
	MachineBusy      float64 `json:"machine_busy_s"`
	PostgresOtherDBs float64 `json:"postgres_other_dbs_s"`
	MachineBusyCores float64 `json:"machine_busy_cores"`
	Other            float64 `json:"other_s"`
	WallS            float64 `json:"wall_s"`
}

type snapshot struct {
	t     time.Time
	procs map[string]float64
	pg    map[int]procstat.ClassCPU
	// noPG: the system uses no PostgreSQL; none of pg is its own.
	noPG    bool
	sink    float64
	self    float64
	machine float64
}

type run struct {
	cfg     config
	systems []*system // in the order each step runs them
	// hm is the services' system (four processes), nil when not run: the
	// growth step and the per-service targets are about it.
	hm         *system
	results    string
	steps      []*Step
	notes      []string
	profiles   map[string]string
	growthInfo map[string]any
	mu         sync.Mutex
}

func newRun(cfg config, systems []*system, results string) *run {
	r := &run{cfg: cfg, systems: systems, results: results, profiles: map[string]string{}}
	for _, s := range systems {
		if s.name == sysServices {
			r.hm = s
		}
	}
	return r
}

func (r *run) note(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	fmt.Println("bench: " + s)
	r.notes = append(r.notes, s)
}

func (r *run) snap(s *system) snapshot {
	sn := snapshot{t: time.Now(), procs: map[string]float64{}}
	for _, p := range s.procs {
		sn.procs[p.name] = procstat.CPUSeconds(p.pid())
	}
	if s.db == "" {
		sn.noPG = true
		sn.pg = procstat.PostgresCPU(nil)
	} else {
		sn.pg = procstat.PostgresCPU([]string{s.db})
	}
	if s.sink != nil {
		sn.sink = procstat.CPUSeconds(s.sink.pid())
	}
	sn.self = procstat.SelfCPUSeconds()
	sn.machine, _ = procstat.Machine()
	return sn
}

func cpuBetween(a, b snapshot, acked int) CPU {
	c := CPU{Services: map[string]float64{}}
	var svc float64
	for name, v := range b.procs {
		d := v - a.procs[name]
		c.Services[name] = round3(d)
		svc += d
	}
	db, shared, allPG := procstat.PostgresDelta(a.pg, b.pg)
	if a.noPG {
		db, shared = 0, 0
	}
	c.PostgresDB, c.PostgresShared = round3(db), round3(shared)
	sys := svc + db + shared
	c.System = round3(sys)
	if acked > 0 {
		c.PerThousand = round3(sys / float64(acked) * 1000)
	}
	c.Sink = round3(b.sink - a.sink)
	c.Loadgen = round3(b.self - a.self)
	if sys+c.Loadgen > 0 {
		c.LoadgenShare = round3(c.Loadgen / (sys + c.Loadgen))
	}
	c.WallS = round3(b.t.Sub(a.t).Seconds())
	c.MachineBusy = round3(b.machine - a.machine)
	if c.WallS > 0 {
		c.MachineBusyCores = round3(c.MachineBusy / c.WallS)
	}
	// allPG includes backends of other databases (other users of the server).
	c.PostgresOtherDBs = round3(allPG - db - shared)
	c.Other = round3(c.MachineBusy - sys - c.Loadgen - c.Sink)
	return c
}

func round3(x float64) float64 { return float64(int64(x*1000+0.5*sign(x))) / 1000 }

func sign(x float64) float64 {
	if x < 0 {
		return -1
	}
	return 1
}

// sinkStats is the sink's GET /stats.
type sinkStats struct {
	Total int           `json:"total"`
	Count int           `json:"count"`
	Dups  int           `json:"dups"`
	First int64         `json:"first"`
	Last  int64         `json:"last"`
	E2E   stats.Summary `json:"e2e"`
}

// sinkCall calls s's sink.
func sinkCall(s *system, method, path string) (sinkStats, error) {
	var out sinkStats
	req, _ := http.NewRequest(method, "http://"+s.sinkHTTP+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return out, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		err = json.NewDecoder(resp.Body).Decode(&out)
	}
	return out, err
}

// drain waits until s's sink has seen every event s acknowledged, or
// until nothing was delivered for 15 s (at most 120 s; 30 s when short).
func (r *run) drain(ctx context.Context, s *system) (time.Duration, bool) {
	start := time.Now()
	last, lastChange := -1, time.Now()
	for {
		st, err := sinkCall(s, http.MethodGet, "/stats")
		if err == nil && st.Total >= s.acked {
			return time.Since(start), true
		}
		if st.Total != last {
			last, lastChange = st.Total, time.Now()
		}
		limit := 120 * time.Second
		if r.cfg.Short {
			limit = 30 * time.Second
		}
		if time.Since(lastChange) > 15*time.Second || time.Since(start) > limit || ctx.Err() != nil {
			return time.Since(start), false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// build presigns n requests of the mix; the clock is not running.
func (r *run) build(n int) []load.Request {
	reqs, err := load.Build(load.DefaultMix, n, load.Secrets(edge.DevSigningSecrets), time.Now())
	if err != nil {
		fatalf("build requests: %v", err)
	}
	return reqs
}

// step runs one step against s. rate > 0: open loop; else closed loop.
func (r *run) step(ctx context.Context, s *system, name string, rate float64, reqs []load.Request) *Step {
	procs := append([]*proc{}, s.procs...)
	if s.sink != nil {
		procs = append(procs, s.sink)
	}
	for _, p := range procs {
		if !p.alive() {
			fatalf("%s died before step %s:\n%s", p.label, name, p.tail())
		}
	}
	if s.sink != nil {
		if _, err := sinkCall(s, http.MethodPost, "/reset"); err != nil {
			fatalf("%s: sink reset: %v", s.name, err)
		}
	}
	var profWG sync.WaitGroup
	if r.cfg.Profile && name == r.cfg.ProfileStep {
		r.profile(s, &profWG)
	}
	stopWaits := func() map[string]int { return nil }
	if s.db != "" {
		stopWaits = sampleWaits(ctx, r.cfg.DatabaseURL, s.db)
	}
	// The filter's counters are read around the saturation step, the
	// drain included, as the CPU is.
	var filterBefore filterCounters
	measureFilter := name == "saturation" && r.cfg.Filter != "" && s.ledgerAdmin != ""
	if measureFilter {
		var err error
		if filterBefore, err = scrapeFilter(ctx, s.ledgerAdmin); err != nil {
			r.note("%s %s: filter metrics: %v", s.name, name, err)
			measureFilter = false
		}
	}
	before := r.snap(s)
	var res *load.Result
	if rate > 0 {
		res = load.Open(ctx, s.client, load.OpenConfig{Rate: rate, MaxInFlight: r.cfg.MaxInFlight, Grace: r.grace()}, reqs)
	} else {
		res = load.Closed(ctx, s.client, load.ClosedConfig{Concurrency: r.cfg.SatConcurrency, Duration: r.cfg.SatDuration}, reqs)
	}
	st := &Step{System: s.name, Name: name, Mode: res.Mode, TargetRate: rate, Concurrency: res.Concurrency,
		Planned: res.Planned, Sent: res.Sent, NotSent: res.NotSent, Late: res.Late, MaxLagMs: float64(res.MaxLag.Microseconds()) / 1000,
		OK: res.OK, Status: map[string]int{}, Errors: res.Errors, DurationS: round3(res.Elapsed.Seconds()), AchievedRate: round3(res.Achieved()),
		RSS: map[string]procstat.Memory{}}
	for k, v := range res.Status {
		st.Status[strconv.Itoa(k)] = v
	}
	if res.Sent > 0 {
		st.ErrorRate = round3(float64(res.Sent-res.OK) / float64(res.Sent))
	}
	var bytes int
	for _, q := range reqs[:min(len(reqs), max(res.Sent, 1))] {
		bytes += q.BodyLen
	}
	st.BytesPerReq = float64(bytes / max(1, min(len(reqs), max(res.Sent, 1))))
	st.Ack = stats.Summarize(res.Latency)
	st.PgWaits = stopWaits()
	if s.sink != nil {
		s.acked += res.OK
		atEnd, _ := sinkCall(s, http.MethodGet, "/stats")
		st.BacklogAtEnd = max(0, s.acked-atEnd.Total)
		d, ok := r.drain(ctx, s)
		st.DrainS, st.Drained = round3(d.Seconds()), ok
		ss, err := sinkCall(s, http.MethodGet, "/stats")
		if err == nil {
			e := ss.E2E
			st.E2E, st.Delivered, st.DuplicateCalls = &e, ss.Count, ss.Dups
			if ss.Count > 0 && ss.Last > 0 {
				span := time.Unix(0, ss.Last).Sub(res.Start).Seconds()
				if span > 0 {
					st.DeliveryRate = round3(float64(ss.Count) / span)
				}
			}
		}
		// Kept up: every delivery done within 1 s of the last ack.
		kept := ok && d < time.Second
		st.DeliveryKeptUp = &kept
	}
	after := r.snap(s)
	st.CPU = cpuBetween(before, after, res.OK)
	if measureFilter {
		if fa, err := scrapeFilter(ctx, s.ledgerAdmin); err != nil {
			r.note("%s %s: filter metrics: %v", s.name, name, err)
		} else {
			st.Filter = filterCost(filterBefore, fa, st.CPU, s.ledgerProc, res.OK)
		}
	}
	for _, p := range s.procs {
		if m, err := procstat.ReadMemory(p.pid()); err == nil {
			st.RSS[p.name] = m
		}
	}
	profWG.Wait()
	r.steps = append(r.steps, st)
	r.printStep(st)
	return st
}

// grace is how long past its schedule an open-loop step keeps sending
// requests that could not go on time: the step's length, 5 to 10 s.
func (r *run) grace() time.Duration { return min(max(r.cfg.Step, 5*time.Second), 10*time.Second) }

func (r *run) printStep(st *Step) {
	e2e := ""
	if st.E2E != nil {
		e2e = fmt.Sprintf(" e2e p50 %.1f p99 %.1f ms, delivered %.0f/s drain %.1fs", st.E2E.P50, st.E2E.P99, st.DeliveryRate, st.DrainS)
	}
	fmt.Printf("  %-10s %-11s %7.0f/s acked, p50 %7.2f p99 %7.2f p99.9 %7.2f ms, errors %.1f%% late %d not sent %d, cpu %.3f s/1000, loadgen %.0f%%%s\n",
		st.System, st.Name, st.AchievedRate, st.Ack.P50, st.Ack.P99, st.Ack.P999, st.ErrorRate*100, st.Late, st.NotSent,
		st.CPU.PerThousand, st.CPU.LoadgenShare*100, e2e)
	if st.Filter != nil {
		fmt.Printf("  %-10s %-11s %s\n", st.System, st.Name, st.Filter.line())
	}
}

// warm sends a little load to s, unmeasured (connections, caches, JIT-free
// but pools and plans warm up), and drains it when s delivers.
func (r *run) warm(ctx context.Context, s *system) {
	if r.cfg.Warmup <= 0 {
		return
	}
	reqs := r.build(load.Count(200, r.cfg.Warmup))
	res := load.Open(ctx, s.client, load.OpenConfig{Rate: 200, MaxInFlight: r.cfg.MaxInFlight, Grace: 10 * time.Second}, reqs)
	if res.OK < res.Sent {
		r.note("warm-up of %s: %d of %d acked, status %v, errors %v", s.name, res.OK, res.Sent, res.Status, res.Errors)
	}
	if s.sink != nil {
		s.acked += res.OK
		if _, ok := r.drain(ctx, s); !ok {
			r.note("warm-up: %s did not deliver every event to the sink", s.name)
		}
	}
}

// maxSetAge is how old a presigned set may be when a step starts sending
// it: the step and its grace must end inside the 5-minute replay window
// of Stripe, Slack and Standard Webhooks, with a minute to spare.
func (r *run) maxSetAge() time.Duration { return 4*time.Minute - r.cfg.Step - r.grace() }

func (r *run) execute(ctx context.Context) {
	for _, s := range r.systems {
		r.warm(ctx, s)
	}
	fmt.Println("bench: open-loop steps (latency from the intended send time)")
	for _, rate := range r.cfg.Rates {
		if ctx.Err() != nil {
			return
		}
		// One presigned set per rate, sent to every system: identical bytes
		// but the Host line. Signed now: the replay windows are 5 minutes.
		built := time.Now()
		reqs := r.build(load.Count(rate, r.cfg.Step))
		name := fmt.Sprintf("rate-%g", rate)
		for _, s := range r.systems {
			if ctx.Err() != nil {
				return
			}
			// Long drains before (a system that fell behind at this rate)
			// can age the set past its replay window: then the rest get a
			// fresh set of the same mix rather than a wall of 400s.
			if age := time.Since(built); age > r.maxSetAge() {
				r.note("%s %s: requests re-signed (the rate's set was %v old; replay windows are 5 minutes): same mix, other event ids", s.name, name, age.Round(time.Second))
				built, reqs = time.Now(), r.build(load.Count(rate, r.cfg.Step))
			}
			r.step(ctx, s, name, rate, reqs)
		}
	}
	if ctx.Err() != nil {
		return
	}
	fmt.Printf("bench: saturation (closed loop, %d connections)\n", r.cfg.SatConcurrency)
	for _, s := range r.systems {
		if ctx.Err() != nil {
			return
		}
		// A set per system, signed right before: a saturation step and its
		// drain can take minutes.
		r.step(ctx, s, "saturation", 0, r.build(load.Count(r.cfg.SatCap, r.cfg.SatDuration)))
	}
	if r.cfg.Growth && ctx.Err() == nil {
		if r.hm == nil {
			r.note("growth: skipped, it measures the services' system (%s), which BENCH_SYSTEMS left out", sysServices)
		} else {
			r.growth(ctx)
		}
	}
}

// profile fetches, during the saturation step, a CPU profile and an
// allocation profile (the bytes allocated over the same seconds: the
// delta of /debug/pprof/allocs) of every service of s, from its admin
// listener's /debug/pprof (when it has one). Allocations are half the
// story of a hot path's CPU: the garbage collector's share of the CPU
// profile says how much, the allocation profile says where.
func (r *run) profile(s *system, wg *sync.WaitGroup) {
	d := r.cfg.SatDuration
	if r.cfg.ProfileStep != "saturation" {
		d = r.cfg.Step
	}
	secs := max(1, int(d.Seconds())-2)
	for name, addr := range s.admin {
		wg.Go(func() {
			r.fetchProfile(name, fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, secs), secs,
				"profile-"+name)
		})
		wg.Go(func() {
			r.fetchProfile(name+" allocs", fmt.Sprintf("http://%s/debug/pprof/allocs?seconds=%d", addr, secs), secs,
				"profile-"+name+".allocs", "-sample_index=alloc_space")
		})
	}
}

// fetchProfile saves the profile at url as <base>.pb.gz in the results,
// with a <base>.top.txt summary (go tool pprof -top, with topArgs), and
// notes the file (or why there is none) under key.
func (r *run) fetchProfile(key, url string, secs int, base string, topArgs ...string) {
	note := func(msg string) {
		r.mu.Lock()
		r.profiles[key] = msg
		r.mu.Unlock()
	}
	cl := &http.Client{Timeout: time.Duration(secs+20) * time.Second}
	resp, err := cl.Get(url)
	if err != nil {
		note("unavailable: " + err.Error())
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		note("unavailable: " + resp.Status + " from " + url)
		return
	}
	path := filepath.Join(r.results, base+".pb.gz")
	f, err := os.Create(path)
	if err == nil {
		_, err = io.Copy(f, resp.Body)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		note("error: " + err.Error())
		return
	}
	args := append([]string{"tool", "pprof", "-top", "-nodecount=25"}, topArgs...)
	if out, err := exec.Command("go", append(args, path)...).Output(); err == nil {
		_ = os.WriteFile(filepath.Join(r.results, base+".top.txt"), out, 0o644)
	}
	note(path)
}

// sampleWaits samples pg_stat_activity of db every 100 ms until stop is
// called, and returns the counts of wait events of active sessions.
func sampleWaits(ctx context.Context, base, db string) func() map[string]int {
	out := map[string]int{}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return
		}
		defer conn.Close(context.Background())
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			rows, err := conn.Query(ctx, `SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') FROM pg_stat_activity
				WHERE datname = $1 AND state = 'active' AND pid <> pg_backend_pid()`, db)
			if err != nil {
				return
			}
			for rows.Next() {
				var w string
				if rows.Scan(&w) == nil {
					out[w]++
				}
			}
			rows.Close()
		}
	}()
	return func() map[string]int { close(done); <-finished; return out }
}
