package load

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// LateThreshold is how far behind its intended time a request may be
// sent and still count as on time: more means every connection was busy
// (the in-flight bound was reached) or the generator itself fell behind.
const LateThreshold = 10 * time.Millisecond

// Result is one run.
type Result struct {
	Mode        string  `json:"mode"` // "open" or "closed"
	Rate        float64 `json:"target_rate,omitempty"`
	Concurrency int     `json:"concurrency"`
	Planned     int     `json:"planned"`
	Sent        int     `json:"sent"`
	// NotSent were abandoned: their intended time was more than the
	// grace period past the end of the step when a connection came free.
	NotSent int `json:"not_sent"`
	// Late were sent more than LateThreshold after their intended time.
	Late   int            `json:"late"`
	MaxLag time.Duration  `json:"-"`
	OK     int            `json:"ok"` // 2xx answers
	Status map[int]int    `json:"status"`
	Errors map[string]int `json:"transport_errors,omitempty"`
	// Elapsed runs from the start to the last answer.
	Elapsed time.Duration `json:"-"`
	// Latency holds one sample per 2xx answer: from the intended send time
	// (open loop) or the actual send time (closed loop) to the end of the
	// answer.
	Latency []time.Duration `json:"-"`
	// Start is when the step's clock started.
	Start time.Time `json:"-"`
}

// Rate achieved: 2xx answers per second of the step.
func (r *Result) Achieved() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.OK) / r.Elapsed.Seconds()
}

// Intended is the scheduled send time of request i at rate per second.
// Computed from i, not accumulated, so rounding never drifts.
func Intended(start time.Time, rate float64, i int) time.Time {
	return start.Add(time.Duration(float64(i) * float64(time.Second) / rate))
}

// Count is the number of requests of a step of d at rate per second.
func Count(rate float64, d time.Duration) int { return int(rate*d.Seconds() + 0.5) }

// OpenConfig sets up an open-loop run.
type OpenConfig struct {
	Rate float64
	// MaxInFlight bounds the connections, hence the requests in flight.
	MaxInFlight int
	// Grace is how long past the end of the schedule requests are still sent.
	Grace time.Duration
}

// worker collects one goroutine's outcomes; merged at the end.
type worker struct {
	lat     []time.Duration
	status  map[int]int
	errs    map[string]int
	sent    int
	notSent int
	late    int
	maxLag  time.Duration
	last    time.Time
}

func newWorker() *worker { return &worker{status: map[int]int{}, errs: map[string]int{}} }

func (w *worker) record(code int, err error, from, done time.Time) {
	w.sent++
	w.last = done
	if err != nil {
		w.errs[errKind(err)]++
		return
	}
	w.status[code]++
	if code >= 200 && code < 300 {
		w.lat = append(w.lat, done.Sub(from))
	}
}

// Open sends reqs at cfg.Rate, request i at Intended(start, rate, i),
// whatever happened to earlier ones. A scheduler hands each request, at
// its time, to the first idle connection; when every connection is busy
// the request waits for one, and its latency still counts from its
// intended time, so a stall is measured in full (no coordinated omission).
func Open(ctx context.Context, cl *Client, cfg OpenConfig, reqs []Request) *Result {
	n := len(reqs)
	schedule := time.Duration(float64(n) / cfg.Rate * float64(time.Second))
	start := time.Now().Add(20 * time.Millisecond)
	deadline := start.Add(schedule + cfg.Grace)
	jobs := make(chan int, n)
	var ws []*worker
	var wg sync.WaitGroup
	var idle atomic.Int64
	// spawn adds a worker (and so a connection) only when a request is due
	// and no worker is idle: the connections in use follow the
	// concurrency the rate needs (rate x latency), up to MaxInFlight.
	spawn := func() {
		w := newWorker()
		ws = append(ws, w)
		wg.Go(func() {
			var c *conn
			defer func() {
				if c != nil {
					cl.put(c)
				}
			}()
			for {
				idle.Add(1)
				i, ok := <-jobs
				idle.Add(-1)
				if !ok {
					return
				}
				t := Intended(start, cfg.Rate, i)
				now := time.Now()
				if now.After(deadline) || ctx.Err() != nil {
					w.notSent++
					continue
				}
				if lag := now.Sub(t); lag > LateThreshold {
					w.late++
					w.maxLag = max(w.maxLag, lag)
				}
				if c == nil {
					c = cl.get()
				}
				code, err := c.do(&reqs[i])
				w.record(code, err, t, time.Now())
			}
		})
	}
	// The scheduler: at each wake-up, release every request now due, then
	// sleep until the next one (timer coarseness only delays, never drops).
	for i := 0; i < n; {
		now := time.Now()
		for i < n && !Intended(start, cfg.Rate, i).After(now) {
			if idle.Load() <= int64(len(jobs)) && len(ws) < cfg.MaxInFlight {
				spawn()
			}
			jobs <- i
			i++
		}
		if i < n {
			select {
			case <-time.After(Intended(start, cfg.Rate, i).Sub(now)):
			case <-ctx.Done():
				for ; i < n; i++ {
					jobs <- i // counted as not sent by the workers
				}
			}
		}
	}
	close(jobs)
	wg.Wait()
	r := merge(ws, start)
	r.Mode, r.Rate, r.Concurrency, r.Planned = "open", cfg.Rate, len(ws), n
	if r.Elapsed < schedule {
		r.Elapsed = schedule
	}
	return r
}

// ClosedConfig sets up a closed-loop run.
type ClosedConfig struct {
	Concurrency int
	Duration    time.Duration
}

// Closed sends reqs back to back from cfg.Concurrency connections for
// cfg.Duration (or until reqs run out): the saturation throughput. Its
// latency is from the actual send, as in any closed loop.
func Closed(ctx context.Context, cl *Client, cfg ClosedConfig, reqs []Request) *Result {
	n := len(reqs)
	start := time.Now()
	end := start.Add(cfg.Duration)
	var next atomic.Int64
	ws := make([]*worker, cfg.Concurrency)
	var wg sync.WaitGroup
	for k := range ws {
		w := newWorker()
		ws[k] = w
		wg.Go(func() {
			c := cl.get()
			defer cl.put(c)
			for ctx.Err() == nil && time.Now().Before(end) {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				t := time.Now()
				code, err := c.do(&reqs[i])
				w.record(code, err, t, time.Now())
			}
		})
	}
	wg.Wait()
	r := merge(ws, start)
	r.Mode, r.Concurrency, r.Planned = "closed", cfg.Concurrency, n
	return r
}

func merge(ws []*worker, start time.Time) *Result {
	r := &Result{Status: map[int]int{}, Errors: map[string]int{}, Start: start}
	var last time.Time
	for _, w := range ws {
		r.Latency = append(r.Latency, w.lat...)
		for k, v := range w.status {
			r.Status[k] += v
			if k >= 200 && k < 300 {
				r.OK += v
			}
		}
		for k, v := range w.errs {
			r.Errors[k] += v
		}
		r.Sent += w.sent
		r.NotSent += w.notSent
		r.Late += w.late
		r.MaxLag = max(r.MaxLag, w.maxLag)
		if w.last.After(last) {
			last = w.last
		}
	}
	if !last.IsZero() {
		r.Elapsed = last.Sub(start)
	}
	return r
}

func errKind(err error) string {
	s := err.Error()
	if len(s) > 60 {
		s = s[len(s)-60:]
	}
	return s
}
