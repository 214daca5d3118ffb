package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestParseRule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Rule
		err  bool
	}{
		{in: "500/s,burst=1000", want: Rule{Rate: 500, Burst: 1000}},
		{in: " 5/s , burst=5 ", want: Rule{Rate: 5, Burst: 5}},
		{in: "100/s", want: Rule{Rate: 100, Burst: 100}},
		{in: "0.5/s", want: Rule{Rate: 0.5, Burst: 1}},
		{in: "60/m,burst=10", want: Rule{Rate: 1, Burst: 10}},
		{in: "3600/h", want: Rule{Rate: 1, Burst: 1}},
		{in: "0", want: Rule{}},
		{in: "off", want: Rule{}},
		{in: "500", err: true},
		{in: "500/d", err: true},
		{in: "-1/s", err: true},
		{in: "NaN/s", err: true},
		{in: "5/s,burst=0", err: true},
		{in: "5/s,burst=x", err: true},
		{in: "5/s,size=3", err: true},
	}
	for _, tt := range tests {
		got, err := ParseRule(tt.in)
		if tt.err {
			if err == nil || !errors.Is(err, ErrSyntax) {
				t.Errorf("ParseRule(%q) = %+v, %v; want a syntax error", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseRule(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
		if back, err := ParseRule(got.String()); err != nil || back != got {
			t.Errorf("ParseRule(%q.String()=%q) = %+v, %v", tt.in, got.String(), back, err)
		}
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]int{0: 1, time.Millisecond: 1, time.Second: 1, 1001 * time.Millisecond: 2, 90 * time.Second: 90} {
		if got := RetryAfterSeconds(d); got != want {
			t.Errorf("RetryAfterSeconds(%v) = %d, want %d", d, got, want)
		}
	}
}

// clock is a fake time source tests advance by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// takeN calls Allow n times and returns how many were allowed and the
// last refusal's wait.
func takeN(t *testing.T, l Limiter, key string, rule Rule, n int) (allowed int, wait time.Duration) {
	t.Helper()
	for range n {
		ok, w, err := l.Allow(context.Background(), key, rule)
		if err != nil {
			t.Fatalf("Allow(%s): %v", key, err)
		}
		if ok {
			allowed++
		} else {
			wait = w
		}
	}
	return allowed, wait
}

func TestMemoryBucket(t *testing.T) {
	t.Parallel()
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	m := NewMemory(MemoryOptions{Now: c.now})
	rule := Rule{Rate: 2, Burst: 3}

	if n, wait := takeN(t, m, "a", rule, 5); n != 3 || wait != 500*time.Millisecond {
		t.Fatalf("burst: allowed %d (wait %v), want 3 then a 500ms wait", n, wait)
	}
	if n, _ := takeN(t, m, "b", rule, 3); n != 3 {
		t.Fatalf("another key shares the bucket: allowed %d of 3", n)
	}
	c.advance(500 * time.Millisecond)
	if n, _ := takeN(t, m, "a", rule, 2); n != 1 {
		t.Fatalf("after 500ms at 2/s: allowed %d, want 1", n)
	}
	c.advance(time.Hour)
	if n, _ := takeN(t, m, "a", rule, 5); n != 3 {
		t.Fatalf("a long pause refills to the burst only: allowed %d, want 3", n)
	}
	if n, _ := takeN(t, m, "a", Rule{}, 100); n != 100 {
		t.Fatalf("disabled rule: allowed %d of 100", n)
	}
}

// TestMemoryBounded: rotating keys (an attacker changing source address)
// cannot grow the limiter past MaxKeys, idle buckets are dropped, and a
// busy key keeps its (empty) bucket while others churn.
func TestMemoryBounded(t *testing.T) {
	t.Parallel()
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	m := NewMemory(MemoryOptions{MaxKeys: 100, Now: c.now})
	rule := Rule{Rate: 1, Burst: 2}
	takeN(t, m, "busy", rule, 2)
	for i := range 10_000 {
		takeN(t, m, fmt.Sprintf("198.51.100.%d", i), rule, 1)
		if i%50 == 0 {
			if n, _ := takeN(t, m, "busy", rule, 1); n != 0 {
				t.Fatalf("the busy key was forgotten and got a fresh burst after %d other keys", i)
			}
		}
		if m.Len() > 100 {
			t.Fatalf("%d buckets held after %d keys, bound is 100", m.Len(), i+1)
		}
	}
	c.advance(3 * time.Second) // every bucket refilled: all may go
	takeN(t, m, "new", rule, 1)
	if m.Len() != 1 {
		t.Fatalf("after every bucket refilled, %d are held, want 1", m.Len())
	}
}

func TestMemoryConcurrent(t *testing.T) {
	t.Parallel()
	m := NewMemory(MemoryOptions{Now: func() time.Time { return time.Unix(1_700_000_000, 0) }})
	rule := Rule{Rate: 1, Burst: 25}
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for range 100 {
		wg.Go(func() {
			ok, _, _ := m.Allow(context.Background(), "k", rule)
			if ok {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if allowed != 25 {
		t.Fatalf("allowed %d of 100 concurrent requests, want the burst of 25", allowed)
	}
}
