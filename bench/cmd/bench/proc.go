package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// proc is one service process; its output goes to a log file.
type proc struct {
	// name is the process's key within its system's figures
	// (cpu.services_s, rss); label is unique in the run: its log file
	// and its key in peak_rss_mib. Both `hookmesh run` processes are
	// named "hookmesh" and labelled by their system.
	name  string
	label string
	cmd   *exec.Cmd
	done  chan struct{}
	log   string
}

// startProc starts bin with args, the bench's environment and env over
// it; an empty value in env unsets the variable (so that a DATABASE_URL
// of the caller's shell cannot move the embedded-store system onto
// PostgreSQL).
func startProc(label, name, bin string, args []string, env map[string]string, logDir string) (*proc, error) {
	logPath := filepath.Join(logDir, label+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = procEnv(os.Environ(), env)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", label, err)
	}
	p := &proc{name: name, label: label, cmd: cmd, done: make(chan struct{}), log: logPath}
	go func() { _ = cmd.Wait(); f.Close(); close(p.done) }()
	return p, nil
}

// procEnv is base (KEY=value lines) with every key of env replaced by
// env's value, or removed when that value is empty.
func procEnv(base []string, env map[string]string) []string {
	var out []string
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := env[k]; !ok {
			out = append(out, kv)
		}
	}
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if env[k] != "" {
			out = append(out, k+"="+env[k])
		}
	}
	return out
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// stop sends SIGTERM and waits for the exit, SIGKILL after 15 s.
func (p *proc) stop() {
	if !p.alive() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// tail returns the end of the process's log, for error messages.
func (p *proc) tail() string {
	b, _ := os.ReadFile(p.log)
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b)
}

var usedPorts = map[int]bool{}

// freeAddr returns a loopback address free now, below the kernel's
// ephemeral range (as tests/harness.FreeAddr does, for the same reason:
// ports from the ephemeral range get taken by outgoing connections).
func freeAddr() (string, error) {
	low := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n > 12000 {
				low = n
			}
		}
	}
	for range 1000 {
		port := 10000 + mrand.IntN(low-10000)
		if usedPorts[port] {
			continue
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		l.Close()
		usedPorts[port] = true
		return l.Addr().String(), nil
	}
	return "", fmt.Errorf("no free port")
}

func mustAddr() string {
	a, err := freeAddr()
	if err != nil {
		fatalf("%v", err)
	}
	return a
}

// createDatabase makes a fresh database named prefix_<random> on the
// server of base and returns its name and URL.
func createDatabase(ctx context.Context, base, prefix string) (string, string, error) {
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", "", fmt.Errorf("PostgreSQL at %s: %w", base, err)
	}
	defer conn.Close(context.Background())
	var b [5]byte
	_, _ = rand.Read(b[:])
	name := prefix + "_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", "", err
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", "", err
	}
	u.Path = "/" + name
	return name, u.String(), nil
}

func dropDatabase(base, name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	return err
}

// waitHTTP polls url until it answers 200.
func waitHTTP(ctx context.Context, url string) error {
	var last string
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s never answered 200 (last: %s)", url, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
	cleanup()
	os.Exit(1)
}
