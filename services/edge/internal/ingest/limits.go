package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookmesh/hookmesh/services/edge/internal/metrics"
	"github.com/hookmesh/hookmesh/services/edge/internal/ratelimit"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
)

// DefaultMaxInFlight bounds the webhooks waiting on the normalizer and the
// ledger at once when Options.MaxInFlight is 0. A waiting webhook holds a
// goroutine and its body (at most the body cap), so 512 keeps memory in
// check on a small machine while far exceeding what a healthy ledger needs
// (a Record takes milliseconds).
const DefaultMaxInFlight = 512

// ErrRateLimited is wrapped by every *RateLimitError: the request exceeded
// a token bucket and must be retried later. apperr has no such class; the
// HTTP renderer answers 429 and the gRPC server RESOURCE_EXHAUSTED with a
// RetryInfo.
var ErrRateLimited = errors.New("rate limited")

// RateLimitError says which bucket refused a request and when to retry.
type RateLimitError struct {
	// Scope is "platform" or "source".
	Scope string
	// RetryAfter is how long until the bucket has a token again.
	RetryAfter time.Duration
}

// Error returns a short text with the scope and the wait.
func (e *RateLimitError) Error() string {
	return fmt.Sprintf("%s rate limit exceeded; retry after %v", e.Scope, e.RetryAfter)
}

// Unwrap makes errors.Is(err, ErrRateLimited) hold.
func (e *RateLimitError) Unwrap() error { return ErrRateLimited }

// ErrOverloaded is returned when MaxInFlight webhooks already wait on the
// normalizer and the ledger: answering 503 at once (the sender retries)
// beats queueing requests that would time out anyway and pile up memory.
var ErrOverloaded = fmt.Errorf("too many webhooks in flight: %w", apperr.ErrUnavailable)

// Stats counts the edge's protective refusals since start.
type Stats struct {
	// RateLimited counts requests refused with ErrRateLimited.
	RateLimited uint64
	// Shed counts requests refused with ErrOverloaded.
	Shed uint64
	// LimiterErrors counts checks the limiter could not answer (Redis
	// down); those requests were allowed.
	LimiterErrors uint64
}

type counters struct {
	rateLimited, shed, limiterErrors atomic.Uint64
}

// Stats returns the counters.
func (s *Service) Stats() Stats {
	return Stats{
		RateLimited:   s.counts.rateLimited.Load(),
		Shed:          s.counts.shed.Load(),
		LimiterErrors: s.counts.limiterErrors.Load(),
	}
}

// InFlight returns how many webhooks wait on the normalizer and the ledger
// now (at most MaxInFlight).
func (s *Service) InFlight() int { return len(s.inflight) }

// Metrics returns the metrics of Options; nil records nothing. The HTTP
// route counts its answers there.
func (s *Service) Metrics() *metrics.Edge { return s.opts.Metrics }

// Limit takes a token from the bucket of the sender's address (source, see
// SourceAddr) and then from the platform's. It runs before the body is
// read, so a refused request costs almost nothing. A refusal is a
// *RateLimitError. When the limiter cannot answer (Redis down) the
// request is allowed — fail open: a webhook refused by a broken limiter
// may never be sent again (GitHub does not retry), while a missing limit
// for a while only costs capacity. The failure is counted and logged.
func (s *Service) Limit(ctx context.Context, p Platform, source string) error {
	if s.opts.Limiter == nil {
		return nil
	}
	if source != "" {
		if err := s.take(ctx, p, "source", "source:"+source, s.opts.SourceRateLimit, source); err != nil {
			return err
		}
	}
	return s.take(ctx, p, "platform", "platform:"+p.Name, p.RateLimit, source)
}

func (s *Service) take(ctx context.Context, p Platform, scope, key string, rule ratelimit.Rule, source string) error {
	ok, wait, err := s.opts.Limiter.Allow(ctx, key, rule)
	if err != nil {
		s.counts.limiterErrors.Add(1)
		if log, dropped := s.limiterLog.allow(s.opts.Now()); log {
			s.opts.Log.Warn("rate limiter unavailable; allowing the request (fail open)",
				slog.String("platform", p.Name), slog.String("error", err.Error()), slog.Int("suppressed", dropped))
		}
		return nil
	}
	if ok {
		return nil
	}
	s.counts.rateLimited.Add(1)
	if log, dropped := s.limitedLog.allow(s.opts.Now()); log {
		s.opts.Log.Warn("webhook rate limited", slog.String("platform", p.Name), slog.String("scope", scope),
			slog.String("source", source), slog.Duration("retry_after", wait), slog.Int("suppressed", dropped))
	}
	return &RateLimitError{Scope: scope, RetryAfter: wait}
}

// acquire takes one of the MaxInFlight slots without waiting and returns
// the function that gives it back; when every slot is taken it returns an
// error wrapping ErrOverloaded at once.
func (s *Service) acquire(p Platform) (release func(), err error) {
	select {
	case s.inflight <- struct{}{}:
		return func() { <-s.inflight }, nil
	default:
	}
	s.counts.shed.Add(1)
	if log, dropped := s.shedLog.allow(s.opts.Now()); log {
		s.opts.Log.Warn("shedding load: too many webhooks wait on the ledger",
			slog.String("platform", p.Name), slog.Int("max_in_flight", cap(s.inflight)), slog.Int("suppressed", dropped))
	}
	return nil, fmt.Errorf("%d in flight: %w", cap(s.inflight), ErrOverloaded)
}

// SourceAddr returns the rate-limit key of a request's sender: the TCP
// peer's address (remoteAddr, "host:port"). X-Forwarded-For is ignored
// unless Options.TrustProxyHeaders is set, since any client can send it;
// then its first address is used. IPv6 senders are keyed by their /64,
// the block one host is usually given, so that rotating through the
// addresses of one's own block does not escape the limit.
func (s *Service) SourceAddr(remoteAddr string, h http.Header) string {
	if s.opts.TrustProxyHeaders {
		if xff := h.Get("X-Forwarded-For"); xff != "" {
			first, _, _ := strings.Cut(xff, ",")
			if a, err := netip.ParseAddr(strings.TrimSpace(first)); err == nil {
				return sourceKey(a)
			}
		}
	}
	if ap, err := netip.ParseAddrPort(remoteAddr); err == nil {
		return sourceKey(ap.Addr())
	}
	if a, err := netip.ParseAddr(remoteAddr); err == nil {
		return sourceKey(a)
	}
	return remoteAddr // not IP (a unix socket, an in-process pipe): as is
}

func sourceKey(a netip.Addr) string {
	a = a.Unmap().WithZone("")
	if a.Is6() {
		if p, err := a.Prefix(64); err == nil {
			return p.String()
		}
	}
	return a.String()
}

// sampler lets one log line through per second and counts the others, so
// a flood of refusals — exactly when they happen — does not become a flood
// of log lines that adds to the load.
type sampler struct {
	mu      sync.Mutex
	next    time.Time
	dropped int
}

// allow reports whether to log now, and how many lines were dropped since
// the last one.
func (s *sampler) allow(now time.Time) (bool, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Before(s.next) {
		s.dropped++
		return false, 0
	}
	d := s.dropped
	s.next, s.dropped = now.Add(time.Second), 0
	return true, d
}
