package outage

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hookmesh/hookmesh/services/edge"
	"github.com/hookmesh/hookmesh/services/hookmesh/sample"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat:
// 100 on every Linux the tests run on.
const clockTicks = 100

// cpuSeconds reads utime+stime of pid from /proc; 0 when it is gone.
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: the fields
	// counted are after its closing parenthesis.
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0
	}
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return (utime + stime) / clockTicks
}

// postgresBackends returns the pids of the PostgreSQL processes serving
// database db, by their process title ("postgres: ... <db> ..."), which
// includes its autovacuum workers. Server-wide processes (WAL writer,
// checkpointer) are left out: other tests share the server.
func postgresBackends(db string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		title := string(bytes.TrimRight(bytes.ReplaceAll(b, []byte{0}, []byte{' '}), " "))
		if strings.HasPrefix(title, "postgres:") && slices.Contains(strings.Fields(title), db) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// cpuSnapshot is the CPU seconds of each measured process at one time.
type cpuSnapshot map[string]float64

// cpuBetween returns per group the CPU spent between a and b. A
// PostgreSQL backend that exited between the snapshots is not counted (its
// /proc entry is gone); one that started is counted from 0.
func cpuBetween(a, b cpuSnapshot) map[string]float64 {
	out := map[string]float64{}
	for k, v := range b {
		group := k[:strings.IndexByte(k, '/')]
		out[group] += v - a[k]
	}
	return out
}

// ackRecorder sends signed webhooks to the edge at a fixed rate (open
// loop: request i is due at start + i/rate, and its latency counts from
// then, so a stall is measured in full) and keeps the latencies of the 2xx
// answers.
type ackRecorder struct {
	url      string
	platform string
	client   *http.Client

	mu        sync.Mutex
	latencies []time.Duration
	failures  int
}

func newAckRecorder(edgeAddr, platform string) *ackRecorder {
	return &ackRecorder{
		url:      "http://" + edgeAddr + "/webhooks/" + platform,
		platform: platform,
		client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64,
		}},
	}
}

// run sends at rate per second until ctx is done, then waits for the
// answers of what it sent.
func (r *ackRecorder) run(ctx context.Context, rate int) {
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; ; i++ {
		due := start.Add(time.Duration(i) * time.Second / time.Duration(rate))
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case <-time.After(time.Until(due)):
		}
		wg.Go(func() { r.send(due) })
	}
}

func (r *ackRecorder) send(due time.Time) {
	w, err := sample.Build(r.platform, "", time.Now())
	ok := err == nil
	if ok {
		var h http.Header
		var body []byte
		h, body, err = w.Sign(edge.DevSigningSecrets[w.Platform], time.Now(), r.url)
		ok = err == nil
		if ok {
			req, _ := http.NewRequest(http.MethodPost, r.url, bytes.NewReader(body))
			req.Header = h
			resp, err := r.client.Do(req)
			ok = err == nil && resp.StatusCode/100 == 2
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
	}
	took := time.Since(due)
	r.mu.Lock()
	defer r.mu.Unlock()
	if ok {
		r.latencies = append(r.latencies, took)
	} else {
		r.failures++
	}
}

// take returns the latencies recorded so far and resets them.
func (r *ackRecorder) take() (lat []time.Duration, failures int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	lat, failures = r.latencies, r.failures
	r.latencies, r.failures = nil, 0
	return lat, failures
}

// percentile is the nearest-rank percentile p (0-100) of d.
func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.999999) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64)
}
