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
	db    string            // its database
	dbURL string            // its database's URL
	admin map[string]string // service -> admin listener (/debug/pprof)
	// client keeps the load generator's connections to addr between steps.
	client *load.Client
	// hookmesh only
	sink     *proc
	sinkHTTP string
}

const seed = `subscriptions:
  - name: bench-sink
    target: %s
    timeout: 5s
`

func startSystems(ctx context.Context, cfg config, bins map[string]string, logDir string) (*system, *system) {
	var procs []*proc
	onCleanup(func() {
		for i := len(procs) - 1; i >= 0; i-- {
			procs[i].stop()
		}
	})
	start := func(name string, env map[string]string) *proc {
		p, err := startProc(name, bins[name], env, logDir)
		if err != nil {
			fatalf("%v", err)
		}
		procs = append(procs, p)
		return p
	}
	newDB := func(prefix string) (string, string) {
		name, url, err := createDatabase(ctx, cfg.DatabaseURL, prefix)
		if err != nil {
			fatalf("create database: %v", err)
		}
		if !cfg.KeepDB {
			onCleanup(func() {
				if err := dropDatabase(cfg.DatabaseURL, name); err != nil {
					fmt.Fprintf(os.Stderr, "bench: drop database %s: %v\n", name, err)
				}
			})
		}
		return name, url
	}

	// hookmesh: ledger, normalizer, edge, dispatcher, and the sink they deliver to.
	hm := &system{name: "hookmesh", admin: map[string]string{}}
	hm.db, hm.dbURL = newDB("hookmesh_bench")
	sinkGRPC := mustAddr()
	hm.sinkHTTP = mustAddr()
	hm.sink = start("sink", map[string]string{"SINK_GRPC_ADDR": sinkGRPC, "SINK_HTTP_ADDR": hm.sinkHTTP})
	seedFile := filepath.Join(logDir, "subscriptions.yaml")
	if err := os.WriteFile(seedFile, []byte(fmt.Sprintf(seed, sinkGRPC)), 0o600); err != nil {
		fatalf("%v", err)
	}
	// The configured source of the mix, for the edge and the normalizer,
	// and for the baseline's signature check.
	sourcesFile := filepath.Join(logDir, "sources.yaml")
	if err := os.WriteFile(sourcesFile, []byte(load.SourcesFile), 0o600); err != nil {
		fatalf("%v", err)
	}
	hm.addr = mustAddr()
	grpc := map[string]string{}
	for _, s := range []string{"edge", "normalizer", "ledger", "dispatcher"} {
		grpc[s] = mustAddr()
		hm.admin[s] = mustAddr()
	}
	env := map[string]string{
		"DATABASE_URL":                   hm.dbURL,
		"HOOKMESH_HTTP_ADDR":             hm.addr,
		"HOOKMESH_ADMIN_ADDR":            hm.admin["edge"],
		"HOOKMESH_NORMALIZER_ADMIN_ADDR": hm.admin["normalizer"],
		"HOOKMESH_LEDGER_ADMIN_ADDR":     hm.admin["ledger"],
		"HOOKMESH_DISPATCHER_ADMIN_ADDR": hm.admin["dispatcher"],
		"HOOKMESH_EDGE_GRPC_ADDR":        grpc["edge"],
		"HOOKMESH_NORMALIZER_GRPC_ADDR":  grpc["normalizer"],
		"HOOKMESH_LEDGER_GRPC_ADDR":      grpc["ledger"],
		"HOOKMESH_DISPATCHER_GRPC_ADDR":  grpc["dispatcher"],
		"HOOKMESH_NORMALIZER_TARGET":     grpc["normalizer"],
		"HOOKMESH_LEDGER_TARGET":         grpc["ledger"],
		"HOOKMESH_SUBSCRIPTIONS_FILE":    seedFile,
		"HOOKMESH_DEV_SECRETS":           "true",
		"HOOKMESH_SOURCES_FILE":          sourcesFile,
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
	for _, s := range []string{"ledger", "normalizer", "edge", "dispatcher"} {
		hm.procs = append(hm.procs, start(s, env))
		if s == "ledger" {
			// The ledger migrates the database first; the others need it.
			wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
			err := waitTCP(wctx, grpc["ledger"])
			cancel()
			if err != nil {
				fatalf("ledger: %v\n%s", err, hm.procs[0].tail())
			}
		}
	}

	// baseline
	bl := &system{name: "baseline", addr: mustAddr(), admin: map[string]string{"baseline": mustAddr()}}
	bl.db, bl.dbURL = newDB("baseline_bench")
	bl.procs = []*proc{start("baseline", map[string]string{
		"DATABASE_URL": bl.dbURL, "BASELINE_HTTP_ADDR": bl.addr, "BASELINE_ADMIN_ADDR": bl.admin["baseline"],
		"BASELINE_SOURCES_FILE": sourcesFile, "BASELINE_SECRET_ACME": load.ConfiguredSecret,
	})}

	wctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	for _, w := range []struct {
		url string
		p   []*proc
	}{{"http://" + hm.addr + "/ready", hm.procs}, {"http://" + bl.addr + "/health", bl.procs}, {"http://" + hm.sinkHTTP + "/stats", []*proc{hm.sink}}} {
		if err := waitHTTP(wctx, w.url); err != nil {
			msg := ""
			for _, p := range w.p {
				msg += fmt.Sprintf("--- %s (alive %v) ---\n%s\n", p.name, p.alive(), p.tail())
			}
			fatalf("%v\n%s", err, msg)
		}
	}
	for _, p := range procs {
		if !p.alive() {
			fatalf("%s exited during start:\n%s", p.name, p.tail())
		}
	}
	hm.client = load.NewClient(hm.addr, 10*time.Second)
	bl.client = load.NewClient(bl.addr, 10*time.Second)
	onCleanup(hm.client.Close)
	onCleanup(bl.client.Close)
	return hm, bl
}
