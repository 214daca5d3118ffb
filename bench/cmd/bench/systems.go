package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hookmesh/hookmesh/bench/internal/load"
)

// system is one system under test.
type system struct {
	name  string
	addr  string            // the public HTTP listener
	procs []*proc           // the processes whose CPU and memory count as the system's
	db    string            // its PostgreSQL database; empty: it uses none (run-sqlite)
	dbURL string            // its database's URL
	admin map[string]string // profile name -> admin listener serving /debug/pprof
	// client keeps the load generator's connections to addr between steps.
	client *load.Client
	// Systems that deliver (every hookmesh form) have a sink: their
	// downstream handler, with its stats listener. acked is the 2xx
	// answers so far, what the sink must eventually count.
	sink     *proc
	sinkHTTP string
	acked    int
	// dataDir is the embedded store's directory (run-sqlite).
	dataDir string
	// ledgerAdmin is the admin listener serving the ledger's metrics
	// (for `hookmesh run`, the process's, every listener the same
	// registry); ledgerProc the process whose CPU the ledger's is
	// (services_s key). Empty for the baseline.
	ledgerAdmin, ledgerProc string
	// restartLedger, for the services' system, stops its ledger and
	// starts another with extra over its environment, returning its gRPC
	// address once it listens; the new process is not one of procs (the
	// measured steps are over by then).
	restartLedger func(extra map[string]string) (string, error)
}

// store says where the system keeps its data, for the start-up line.
func (s *system) store() string {
	switch {
	case s.db != "":
		return "db " + s.db
	case s.dataDir != "":
		return "SQLite in " + s.dataDir
	}
	return "no store"
}

// seed is the subscriptions file's start, before the filter (seedYAML).
const seed = `subscriptions:
  - name: bench-sink
    target: %s
    timeout: 5s
`

// starter starts the systems of a run, registering every cleanup.
type starter struct {
	ctx    context.Context
	cfg    config
	bins   map[string]string
	logDir string
	procs  []*proc
	// dbs and dirs are dropped and removed once procs have stopped.
	dbs, dirs []string
	// sourcesFile defines the mix's configured source, for every system.
	sourcesFile string
}

func (st *starter) start(label, name string, args []string, env map[string]string) *proc {
	p, err := startProc(label, name, st.bins[name], args, env, st.logDir)
	if err != nil {
		fatalf("%v", err)
	}
	st.procs = append(st.procs, p)
	return p
}

func (st *starter) newDB(prefix string) (string, string) {
	name, url, err := createDatabase(st.ctx, st.cfg.DatabaseURL, prefix)
	if err != nil {
		fatalf("create database: %v", err)
	}
	if !st.cfg.KeepDB {
		st.dbs = append(st.dbs, name)
	}
	return name, url
}

// startSink starts s's own sink and returns the subscriptions file that
// points at it (the only subscription: the example consumer of `hookmesh
// run` gets none).
func (st *starter) startSink(s *system) string {
	label := "sink"
	if s.name != sysServices {
		label = "sink-" + s.name
	}
	sinkGRPC := mustAddr()
	s.sinkHTTP = mustAddr()
	s.sink = st.start(label, "sink", nil, map[string]string{"SINK_GRPC_ADDR": sinkGRPC, "SINK_HTTP_ADDR": s.sinkHTTP})
	name := "subscriptions.yaml"
	if s.name != sysServices {
		name = "subscriptions-" + s.name + ".yaml"
	}
	seedFile := filepath.Join(st.logDir, name)
	if err := os.WriteFile(seedFile, []byte(seedYAML(sinkGRPC, st.cfg.Filter)), 0o600); err != nil {
		fatalf("%v", err)
	}
	return seedFile
}

// meshEnv is the configuration every hookmesh form shares: its listeners
// (admin and grpc by service), its subscriptions, the secrets and sources
// of the mix, internal tokens, rate limits off and the log level.
func (st *starter) meshEnv(addr string, admin, grpc map[string]string, seedFile string) map[string]string {
	return map[string]string{
		"HOOKMESH_HTTP_ADDR":             addr,
		"HOOKMESH_ADMIN_ADDR":            admin["edge"],
		"HOOKMESH_NORMALIZER_ADMIN_ADDR": admin["normalizer"],
		"HOOKMESH_LEDGER_ADMIN_ADDR":     admin["ledger"],
		"HOOKMESH_DISPATCHER_ADMIN_ADDR": admin["dispatcher"],
		"HOOKMESH_EDGE_GRPC_ADDR":        grpc["edge"],
		"HOOKMESH_NORMALIZER_GRPC_ADDR":  grpc["normalizer"],
		"HOOKMESH_LEDGER_GRPC_ADDR":      grpc["ledger"],
		"HOOKMESH_DISPATCHER_GRPC_ADDR":  grpc["dispatcher"],
		"HOOKMESH_NORMALIZER_TARGET":     grpc["normalizer"],
		"HOOKMESH_LEDGER_TARGET":         grpc["ledger"],
		"HOOKMESH_SUBSCRIPTIONS_FILE":    seedFile,
		"HOOKMESH_DEV_SECRETS":           "true",
		"HOOKMESH_SOURCES_FILE":          st.sourcesFile,
		"HOOKMESH_SECRET_ACME":           load.ConfiguredSecret,
		// Internal authentication on, as deployed: its per-call check is
		// part of the cost measured. (Every service gets both tokens
		// here; a deployment gives each only its own.)
		"HOOKMESH_INTERNAL_TOKEN_EDGE":       "bench-edge-token-0123456789",
		"HOOKMESH_INTERNAL_TOKEN_DISPATCHER": "bench-dispatcher-token-0123456789",
		// One load generator is one sender address sending for every
		// platform: the per-address and per-platform limits would
		// measure themselves, not the system.
		"HOOKMESH_RATE_LIMIT_PLATFORM": "0",
		"HOOKMESH_RATE_LIMIT_SOURCE":   "0",
		"HOOKMESH_LOG_LEVEL":           envOr("BENCH_LOG_LEVEL", "info"),
	}
}

// listeners picks a free loopback address for every service's admin and
// gRPC listener.
func listeners() (admin, grpc map[string]string) {
	admin, grpc = map[string]string{}, map[string]string{}
	for _, s := range []string{"edge", "normalizer", "ledger", "dispatcher"} {
		grpc[s], admin[s] = mustAddr(), mustAddr()
	}
	return admin, grpc
}

// waitLedger waits, at most a minute, until the ledger whose admin
// listener is adminAddr has its store open (migrated) and serves. Its
// gRPC port accepting connections says less: the ledger listens at once
// and answers Unavailable until then (a growth step's retention pass once
// called 40 ms early); /ready says when.
func waitLedger(ctx context.Context, adminAddr string) error {
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	return waitHTTP(wctx, "http://"+adminAddr+"/ready")
}

// services starts hookmesh as deployed: ledger, normalizer, edge and
// dispatcher as four processes on their own database, and their sink.
func (st *starter) services() *system {
	hm := &system{name: sysServices, admin: map[string]string{}}
	hm.db, hm.dbURL = st.newDB("hookmesh_bench")
	seedFile := st.startSink(hm)
	hm.addr = mustAddr()
	admin, grpc := listeners()
	hm.admin = admin
	hm.ledgerAdmin, hm.ledgerProc = admin["ledger"], "ledger"
	env := st.meshEnv(hm.addr, admin, grpc, seedFile)
	env["DATABASE_URL"] = hm.dbURL
	for _, s := range []string{"ledger", "normalizer", "edge", "dispatcher"} {
		hm.procs = append(hm.procs, st.start(s, s, nil, env))
		if s == "ledger" {
			// The ledger migrates the database first; the others need it.
			if err := waitLedger(st.ctx, admin["ledger"]); err != nil {
				fatalf("ledger: %v\n%s", err, hm.procs[0].tail())
			}
		}
	}
	hm.restartLedger = func(extra map[string]string) (string, error) {
		hm.procs[0].stop()
		p := st.start("ledger-restarted", "ledger", nil, ledgerRestartEnv(env, extra))
		if err := waitLedger(st.ctx, admin["ledger"]); err != nil {
			return "", fmt.Errorf("restarted ledger: %w\n%s", err, p.tail())
		}
		return grpc["ledger"], nil
	}
	return hm
}

// runSystem starts `hookmesh run`, every service in one process, with the
// services' configuration: on a fresh database of its own (pg) or on its
// embedded store in a temporary directory. Every listener, the example
// consumer's included, is on a free port, so nothing collides with a
// hookmesh already running on the machine.
func (st *starter) runSystem(name string, pg bool) *system {
	s := &system{name: name}
	env := map[string]string{}
	if pg {
		s.db, s.dbURL = st.newDB("hookmesh_run_bench")
	} else {
		dir, err := os.MkdirTemp("", "hookmesh-bench-sqlite-")
		if err != nil {
			fatalf("%v", err)
		}
		s.dataDir = dir
		if st.cfg.KeepDB {
			fmt.Printf("bench: %s keeps its store in %s (BENCH_KEEP_DB=1)\n", name, dir)
		} else {
			st.dirs = append(st.dirs, dir)
		}
	}
	seedFile := st.startSink(s)
	s.addr = mustAddr()
	admin, grpc := listeners()
	// One process, one CPU profile: every admin listener serves the same
	// process's /debug/pprof; the edge's is the documented one.
	s.admin = map[string]string{name: admin["edge"]}
	s.ledgerAdmin, s.ledgerProc = admin["ledger"], "hookmesh"
	for k, v := range st.meshEnv(s.addr, admin, grpc, seedFile) {
		env[k] = v
	}
	env["HOOKMESH_CONSUMER_GRPC_ADDR"] = mustAddr()
	if pg {
		env["DATABASE_URL"] = s.dbURL
	} else {
		env["DATABASE_URL"] = "" // unset: the embedded store
		env["HOOKMESH_DATA_DIR"] = s.dataDir
	}
	// A HOOKMESH_CONFIG file of the caller's shell could set anything.
	env["HOOKMESH_CONFIG"] = ""
	s.procs = []*proc{st.start(name, "hookmesh", []string{"run"}, env)}
	return s
}

// baseline starts bench/baseline on its own database.
func (st *starter) baseline() *system {
	bl := &system{name: sysBaseline, addr: mustAddr(), admin: map[string]string{"baseline": mustAddr()}}
	bl.db, bl.dbURL = st.newDB("baseline_bench")
	bl.procs = []*proc{st.start("baseline", "baseline", nil, map[string]string{
		"DATABASE_URL": bl.dbURL, "BASELINE_HTTP_ADDR": bl.addr, "BASELINE_ADMIN_ADDR": bl.admin["baseline"],
		"BASELINE_SOURCES_FILE": st.sourcesFile, "BASELINE_SECRET_ACME": load.ConfiguredSecret,
	})}
	return bl
}

// startSystems starts cfg.Systems, in that order, and waits until each
// answers.
func startSystems(ctx context.Context, cfg config, bins map[string]string, logDir string) []*system {
	st := &starter{ctx: ctx, cfg: cfg, bins: bins, logDir: logDir}
	// Registered first, so it runs last: the processes stop, then their
	// stores go.
	onCleanup(func() {
		for i := len(st.procs) - 1; i >= 0; i-- {
			st.procs[i].stop()
		}
		for _, dir := range st.dirs {
			os.RemoveAll(dir)
		}
		for _, name := range st.dbs {
			if err := dropDatabase(st.cfg.DatabaseURL, name); err != nil {
				fmt.Fprintf(os.Stderr, "bench: drop database %s: %v\n", name, err)
			}
		}
	})
	// The configured source of the mix, for hookmesh and for the
	// baseline's signature check.
	st.sourcesFile = filepath.Join(logDir, "sources.yaml")
	if err := os.WriteFile(st.sourcesFile, []byte(load.SourcesFile), 0o600); err != nil {
		fatalf("%v", err)
	}
	var systems []*system
	for _, name := range cfg.Systems {
		switch name {
		case sysServices:
			systems = append(systems, st.services())
		case sysRunPG:
			systems = append(systems, st.runSystem(name, true))
		case sysRunSQLite:
			systems = append(systems, st.runSystem(name, false))
		case sysBaseline:
			systems = append(systems, st.baseline())
		}
	}

	wctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	type wait struct {
		url string
		p   []*proc
	}
	var waits []wait
	for _, s := range systems {
		if s.name == sysBaseline {
			waits = append(waits, wait{"http://" + s.addr + "/health", s.procs})
		} else {
			waits = append(waits, wait{"http://" + s.addr + "/ready", s.procs})
		}
		if s.sink != nil {
			waits = append(waits, wait{"http://" + s.sinkHTTP + "/stats", []*proc{s.sink}})
		}
	}
	for _, w := range waits {
		if err := waitHTTP(wctx, w.url); err != nil {
			msg := ""
			for _, p := range w.p {
				msg += fmt.Sprintf("--- %s (alive %v) ---\n%s\n", p.label, p.alive(), p.tail())
			}
			fatalf("%v\n%s", err, msg)
		}
	}
	for _, p := range st.procs {
		if !p.alive() {
			fatalf("%s exited during start:\n%s", p.label, p.tail())
		}
	}
	for _, s := range systems {
		s.client = load.NewClient(s.addr, 10*time.Second)
		onCleanup(s.client.Close)
	}
	return systems
}
