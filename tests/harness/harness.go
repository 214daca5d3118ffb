// Package harness runs the real hookmesh binaries as separate processes for
// end-to-end tests (and later the chaos and benchmark runs): it builds
// them, gives each a free port and its own database, and stops them.
package harness

import (
	"bytes"
	"context"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Services are the binaries a system is made of, in start order: the four
// services and the example consumer that subscribes to them.
var Services = []string{"ledger", "normalizer", "edge", "dispatcher", "consumer"}

// packages maps a binary to its main package.
var packages = map[string]string{
	"ledger":     "github.com/hookmesh/hookmesh/services/ledger/cmd/ledger",
	"normalizer": "github.com/hookmesh/hookmesh/services/normalizer/cmd/normalizer",
	"edge":       "github.com/hookmesh/hookmesh/services/edge/cmd/edge",
	"dispatcher": "github.com/hookmesh/hookmesh/services/dispatcher/cmd/dispatcher",
	"consumer":   "github.com/hookmesh/hookmesh/examples/consumer/cmd/consumer",
}

// Build compiles the binaries into dir and returns their paths by name. It
// builds from the workspace, so the tests run the code under test.
func Build(t testing.TB, dir string) map[string]string {
	t.Helper()
	paths := make(map[string]string, len(Services))
	for _, s := range Services {
		out := filepath.Join(dir, s)
		cmd := exec.Command("go", "build", "-o", out, packages[s])
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", s, err, b)
		}
		paths[s] = out
	}
	return paths
}

// shared holds the binaries Binaries built for this test process.
var shared struct {
	mu    sync.Mutex
	dir   string
	paths map[string]string
}

// Binaries returns the binaries of Services, built on first use into one
// directory for the whole test process: a package that starts many
// systems links them once, not once per system (on a loaded machine the
// linking was most of a package's time). Packages that use it run their
// tests through Main, which removes the directory.
func Binaries(t testing.TB) map[string]string {
	t.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.paths == nil {
		if shared.dir == "" {
			dir, err := os.MkdirTemp("", "hookmesh-bins")
			if err != nil {
				t.Fatalf("binaries: %v", err)
			}
			shared.dir = dir
		}
		shared.paths = Build(t, shared.dir) // a failed build leaves paths nil: the next test tries again
	}
	return shared.paths
}

// Main runs a package's tests (call it from TestMain) and then removes
// the binaries Binaries built.
func Main(m *testing.M) {
	code := m.Run()
	shared.mu.Lock()
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	shared.mu.Unlock()
	os.Exit(code)
}

// FreeAddr returns a loopback address with a port free at the time of the
// call, so tests never collide with a running system or each other.
//
// The port is taken below the kernel's ephemeral range: a port from ":0"
// is free only until the listener closes, and the kernel hands the same
// range to outgoing connections, so a service started a moment later can
// find it taken by some client's socket. Ports below the range are only
// ever used by listeners that ask for them.
func FreeAddr(t testing.TB) string {
	t.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()
	low := ephemeralLow()
	for range 1000 {
		port := 10000 + mrand.IntN(low-10000)
		if portsUsed[port] {
			continue
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		l.Close()
		portsUsed[port] = true
		return l.Addr().String()
	}
	t.Fatal("no free port below the ephemeral range")
	return ""
}

var (
	portsMu   sync.Mutex
	portsUsed = map[int]bool{}
)

// ephemeralLow is the first port of the kernel's ephemeral range.
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n > 12000 {
				return n
			}
		}
	}
	return 32768
}

// Process is one running service binary.
type Process struct {
	Name string
	bin  string
	args []string
	env  []string

	mu   sync.Mutex
	cmd  *exec.Cmd
	logs *lockedBuffer
	done chan struct{}
}

// Start runs bin with env (added to the test's environment) and returns
// the process; it is stopped at test cleanup and its output is logged
// when the test fails.
func Start(t testing.TB, name, bin string, env map[string]string) *Process {
	t.Helper()
	return StartArgs(t, name, bin, nil, env)
}

// StartArgs is Start with command-line arguments.
func StartArgs(t testing.TB, name, bin string, args []string, env map[string]string) *Process {
	t.Helper()
	p := &Process{Name: name, bin: bin, args: args, logs: &lockedBuffer{}}
	for k, v := range env {
		p.env = append(p.env, k+"="+v)
	}
	if err := p.start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("--- %s output ---\n%s", name, p.Logs())
		}
	})
	return p
}

func (p *Process) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	cmd := exec.Command(p.bin, p.args...)
	cmd.Env = append(os.Environ(), p.env...)
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	p.cmd, p.done = cmd, done
	return nil
}

// Stop sends SIGTERM and waits for a graceful exit (SIGKILL after 15 s).
func (p *Process) Stop() { p.signal(syscall.SIGTERM, 15*time.Second) }

// Kill sends SIGKILL: the process gets no chance to clean up.
func (p *Process) Kill() { p.signal(syscall.SIGKILL, 5*time.Second) }

func (p *Process) signal(sig syscall.Signal, wait time.Duration) {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	select {
	case <-done:
		return
	default:
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-done:
	case <-time.After(wait):
		_ = cmd.Process.Kill()
		<-done
	}
}

// Restart starts a stopped process again with the same environment.
func (p *Process) Restart(t testing.TB) {
	t.Helper()
	if err := p.start(); err != nil {
		t.Fatalf("restart %s: %v", p.Name, err)
	}
}

// Alive reports whether the process is running.
func (p *Process) Alive() bool {
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	select {
	case <-done:
		return false
	default:
		return true
	}
}

// Logs returns everything the process wrote so far.
func (p *Process) Logs() string { return p.logs.String() }

// Pid returns the operating-system id of the current incarnation, for
// measurements that read /proc.
func (p *Process) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd.Process.Pid
}

// WaitHTTP polls url until it answers want or the deadline passes.
func WaitHTTP(ctx context.Context, url string, want int) error {
	var last string
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == want {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s never answered %d (last: %s)", url, want, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Clone(l.b.String())
}
