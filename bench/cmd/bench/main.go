// Command bench is `make bench`: it runs hookmesh (every service as its
// own process on PostgreSQL), `hookmesh run` (the one-process form, on
// PostgreSQL and on its embedded SQLite store) and the baseline
// (bench/baseline) side by side under the same presigned load, open loop
// at fixed rates and closed loop at saturation, and writes a table,
// bench/results/latest.json and bench/results/latency.png.
// bench/README.md explains the method.
package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// config is the plan of a run; BENCH_* variables adjust it.
type config struct {
	Short   bool `json:"short"`
	Growth  bool `json:"growth"`
	Profile bool `json:"profile"`
	// ProfileStep names the step BENCH_PROFILE profiles (BENCH_PROFILE_STEP,
	// default saturation): the cost per webhook at a fixed rate is mostly
	// wake-ups, which a saturated profile does not show.
	ProfileStep    string        `json:"profile_step,omitempty"`
	Rates          []float64     `json:"rates"`
	Step           time.Duration `json:"-"`
	StepS          float64       `json:"step_s"`
	Warmup         time.Duration `json:"-"`
	SatDuration    time.Duration `json:"-"`
	SatS           float64       `json:"saturation_s"`
	SatConcurrency int           `json:"saturation_concurrency"`
	// SatCap bounds the presigned requests of the saturation step (per second).
	SatCap       float64 `json:"saturation_presigned_per_s"`
	MaxInFlight  int     `json:"open_loop_max_inflight"`
	GrowthEvents int     `json:"growth_events"`
	GrowthRate   float64 `json:"growth_rate"`
	DatabaseURL  string  `json:"-"`
	KeepDB       bool    `json:"-"`
	// Systems are the systems under test (BENCH_SYSTEMS), in the order
	// each step runs them.
	Systems []string `json:"systems"`
	// Filter is the CEL filter of every hookmesh system's subscription
	// (BENCH_FILTER; default defaultFilter, "" none).
	Filter string `json:"filter"`
}

// The systems make bench knows, in the order each step runs them.
const (
	sysServices  = "hookmesh"   // every service its own process, PostgreSQL
	sysRunPG     = "run-pg"     // hookmesh run, PostgreSQL
	sysRunSQLite = "run-sqlite" // hookmesh run, embedded SQLite store
	sysBaseline  = "baseline"   // bench/baseline: verify + one INSERT
)

var allSystems = []string{sysServices, sysRunPG, sysRunSQLite, sysBaseline}

// parseSystems reads BENCH_SYSTEMS: a comma-separated subset of
// allSystems ("" = all). The result is in allSystems' order whatever the
// order given, so every step meets the systems in the same sequence.
func parseSystems(v string) ([]string, error) {
	if strings.TrimSpace(v) == "" {
		return append([]string(nil), allSystems...), nil
	}
	want := map[string]bool{}
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !slices.Contains(allSystems, f) {
			return nil, fmt.Errorf("unknown system %q (want some of %s)", f, strings.Join(allSystems, ","))
		}
		want[f] = true
	}
	var out []string
	for _, s := range allSystems {
		if want[s] {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no system in %q", v)
	}
	return out, nil
}

func loadConfig() config {
	c := config{
		Short:          os.Getenv("BENCH_SHORT") == "1",
		Profile:        os.Getenv("BENCH_PROFILE") == "1",
		ProfileStep:    "saturation",
		Rates:          []float64{100, 250, 500, 750, 1000, 1500, 2000},
		Step:           15 * time.Second,
		Warmup:         4 * time.Second,
		SatDuration:    20 * time.Second,
		SatConcurrency: 64,
		SatCap:         3000,
		MaxInFlight:    256,
		GrowthEvents:   5_000_000,
		GrowthRate:     500,
		DatabaseURL:    envOr("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"),
		KeepDB:         os.Getenv("BENCH_KEEP_DB") == "1",
		Filter:         filterFromEnv(),
	}
	var err error
	if c.Systems, err = parseSystems(os.Getenv("BENCH_SYSTEMS")); err != nil {
		fatalf("BENCH_SYSTEMS: %v", err)
	}
	c.Growth = !c.Short
	if c.Short {
		c.Rates = []float64{100, 250, 500}
		c.Step, c.Warmup, c.SatDuration = 5*time.Second, 2*time.Second, 8*time.Second
	}
	if v := os.Getenv("BENCH_GROWTH"); v != "" {
		c.Growth = v == "1"
	}
	if v := os.Getenv("BENCH_RATES"); v != "" {
		c.Rates = nil
		for _, s := range strings.Split(v, ",") {
			r, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil || r <= 0 {
				fatalf("BENCH_RATES: bad rate %q", s)
			}
			c.Rates = append(c.Rates, r)
		}
	}
	durEnv("BENCH_STEP", &c.Step)
	if v := os.Getenv("BENCH_PROFILE_STEP"); v != "" {
		c.ProfileStep = v // rate-500, saturation, ...
	}
	durEnv("BENCH_SATURATION", &c.SatDuration)
	intEnv("BENCH_SAT_CONCURRENCY", &c.SatConcurrency)
	intEnv("BENCH_MAX_INFLIGHT", &c.MaxInFlight)
	intEnv("BENCH_GROWTH_EVENTS", &c.GrowthEvents)
	c.StepS, c.SatS = c.Step.Seconds(), c.SatDuration.Seconds()
	return c
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func durEnv(k string, d *time.Duration) {
	if v := os.Getenv(k); v != "" {
		x, err := time.ParseDuration(v)
		if err != nil || x <= 0 {
			fatalf("%s: want a positive duration like 10s", k)
		}
		*d = x
	}
}

func intEnv(k string, n *int) {
	if v := os.Getenv(k); v != "" {
		x, err := strconv.Atoi(v)
		if err != nil || x <= 0 {
			fatalf("%s: want a positive integer", k)
		}
		*n = x
	}
}

var (
	cleanMu  sync.Mutex
	cleanups []func()
)

func onCleanup(f func()) {
	cleanMu.Lock()
	defer cleanMu.Unlock()
	cleanups = append(cleanups, f)
}

// cleanup runs the cleanups in reverse order, once.
func cleanup() {
	cleanMu.Lock()
	fs := cleanups
	cleanups = nil
	cleanMu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}

// repoRoot is the directory holding go.work, from the working directory up.
func repoRoot() string {
	dir, _ := os.Getwd()
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.work")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			fatalf("no go.work above %s: run from the hookmesh repository", dir)
		}
	}
}

// binaries maps each binary to its main package.
var binaries = map[string]string{
	"ledger":     "./services/ledger/cmd/ledger",
	"normalizer": "./services/normalizer/cmd/normalizer",
	"edge":       "./services/edge/cmd/edge",
	"dispatcher": "./services/dispatcher/cmd/dispatcher",
	"hookmesh":   "./services/hookmesh/cmd/hookmesh",
	"baseline":   "./bench/baseline",
	"sink":       "./bench/sink",
}

// needs lists the binaries each system runs; only those are built.
var needs = map[string][]string{
	sysServices:  {"ledger", "normalizer", "edge", "dispatcher", "sink"},
	sysRunPG:     {"hookmesh", "sink"},
	sysRunSQLite: {"hookmesh", "sink"},
	sysBaseline:  {"baseline"},
}

func build(root, dir string, systems []string) map[string]string {
	out := map[string]string{}
	args := []string{"build", "-o", dir + "/"}
	for _, s := range systems {
		for _, name := range needs[s] {
			if _, ok := out[name]; ok {
				continue
			}
			pkg := binaries[name]
			args = append(args, pkg)
			out[name] = filepath.Join(dir, filepath.Base(pkg))
		}
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		fatalf("go build: %v\n%s", err, b)
	}
	return out
}

func main() {
	cfg := loadConfig()
	root := repoRoot()
	results := filepath.Join(root, "bench", "results")
	logDir := filepath.Join(results, "logs")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		fatalf("%v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	began := time.Now()
	fmt.Printf("bench: %s mode, systems %s, rates %v/s, steps %v, saturation %v x %d connections, growth %v; %d cores, GOMAXPROCS %d\n",
		map[bool]string{true: "short", false: "full"}[cfg.Short], strings.Join(cfg.Systems, ","), cfg.Rates, cfg.Step, cfg.SatDuration, cfg.SatConcurrency, cfg.Growth,
		runtime.NumCPU(), runtime.GOMAXPROCS(0))
	binDir, err := os.MkdirTemp("", "hookmesh-bench-bin-")
	if err != nil {
		fatalf("%v", err)
	}
	onCleanup(func() { os.RemoveAll(binDir) })
	bins := build(root, binDir, cfg.Systems)
	fmt.Printf("bench: built binaries in %v\n", time.Since(began).Round(100*time.Millisecond))

	systems := startSystems(ctx, cfg, bins, logDir)
	defer cleanup()
	var stores []string
	for _, s := range systems {
		stores = append(stores, s.name+" "+s.store())
	}
	fmt.Printf("bench: systems up (%s); logs in %s\n", strings.Join(stores, ", "), logDir)

	run := newRun(cfg, systems, results)
	run.execute(ctx)
	run.finish(time.Since(began))
}
