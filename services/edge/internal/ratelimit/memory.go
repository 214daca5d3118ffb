package ratelimit

import (
	"container/list"
	"context"
	"sync"
	"time"
)

// DefaultMaxKeys bounds the buckets a Memory limiter keeps. A bucket costs
// about 150 bytes with its key, so the bound is ~15 MB at worst.
const DefaultMaxKeys = 100_000

// Memory is a Limiter whose buckets live in this process: right for a
// single edge, and the fallback when no REDIS_URL is set.
//
// Memory stays bounded however many keys arrive (an attacker rotating
// source addresses creates a key per address). Buckets sit in a list
// ordered by last use. Every Allow first drops the least recently used
// buckets that have refilled completely — a full bucket behaves exactly
// like a missing one, so forgetting it changes no answer — and, when
// MaxKeys buckets are still held, the least recently used one even if not
// full. The latter only ever hands that key a fresh burst, and only while
// more than MaxKeys keys are active at once. Each bucket is removed at most
// once per insertion, so the cost per call is amortised O(1) and no
// background goroutine is needed.
type Memory struct {
	maxKeys int
	now     func() time.Time

	mu      sync.Mutex
	buckets map[string]*list.Element // of *bucket
	lru     list.List                // front: most recently used
}

type bucket struct {
	key    string
	tokens float64
	last   time.Time // when tokens was computed
	fullAt time.Time // when the bucket is full again if left alone
}

// MemoryOptions configures a Memory limiter; the zero value is valid.
type MemoryOptions struct {
	// MaxKeys bounds the buckets held; 0 means DefaultMaxKeys.
	MaxKeys int
	// Now is the clock; nil means time.Now. Tests pass a fake one.
	Now func() time.Time
}

// NewMemory returns an empty Memory limiter.
func NewMemory(opts MemoryOptions) *Memory {
	if opts.MaxKeys <= 0 {
		opts.MaxKeys = DefaultMaxKeys
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Memory{maxKeys: opts.MaxKeys, now: opts.Now, buckets: make(map[string]*list.Element)}
}

// Allow implements Limiter. It never returns an error.
func (m *Memory) Allow(_ context.Context, key string, rule Rule) (bool, time.Duration, error) {
	if !rule.Enabled() {
		return true, 0, nil
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.evict(now)

	var b *bucket
	if e, ok := m.buckets[key]; ok {
		b = e.Value.(*bucket)
		m.lru.MoveToFront(e)
		if elapsed := now.Sub(b.last); elapsed > 0 { // a clock stepping back refills nothing
			b.tokens = min(float64(rule.Burst), b.tokens+elapsed.Seconds()*rule.Rate)
		}
	} else {
		if len(m.buckets) >= m.maxKeys {
			m.remove(m.lru.Back())
		}
		b = &bucket{key: key, tokens: float64(rule.Burst)}
		m.buckets[key] = m.lru.PushFront(b)
	}
	b.last = now
	ok, wait := take(b, rule)
	b.fullAt = now.Add(time.Duration((float64(rule.Burst) - b.tokens) / rule.Rate * float64(time.Second)))
	return ok, wait, nil
}

// take spends a token from b, or says how long until one is there.
func take(b *bucket, rule Rule) (bool, time.Duration) {
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / rule.Rate * float64(time.Second))
}

// evict drops refilled buckets from the cold end of the list, stopping at
// the first that is not full yet. m.mu is held.
func (m *Memory) evict(now time.Time) {
	for e := m.lru.Back(); e != nil && !now.Before(e.Value.(*bucket).fullAt); e = m.lru.Back() {
		m.remove(e)
	}
}

// remove forgets the bucket of e. m.mu is held.
func (m *Memory) remove(e *list.Element) {
	m.lru.Remove(e)
	delete(m.buckets, e.Value.(*bucket).key)
}

// Len returns the number of buckets held.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.buckets)
}
