// Package ratelimit holds the edge's token buckets: one per key (a
// platform, a source address), each refilled at Rule.Rate tokens per second
// up to Rule.Burst, one token per request. Memory keeps the buckets in the
// process; Redis keeps them in Redis so that every edge replica draws on
// the same buckets.
//
// A Limiter answers with an error when it cannot decide (Redis down). What
// to do then is the caller's policy; the edge fails open, because a
// webhook refused by a broken limiter may never be sent again.
package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Rule is a token bucket's shape: Rate tokens per second refill it, and it
// holds at most Burst. The zero Rule is disabled: everything is allowed.
type Rule struct {
	// Rate is the sustained number of requests per second.
	Rate float64
	// Burst is how many requests may arrive at once after a quiet period.
	Burst int
}

// Enabled reports whether the rule limits anything.
func (r Rule) Enabled() bool { return r.Rate > 0 && r.Burst > 0 }

// String renders the rule in the syntax ParseRule reads ("off" when
// disabled).
func (r Rule) String() string {
	if !r.Enabled() {
		return "off"
	}
	return strconv.FormatFloat(r.Rate, 'f', -1, 64) + "/s,burst=" + strconv.Itoa(r.Burst)
}

// refill is how long an empty bucket takes to become full again: after
// that long without requests a bucket is indistinguishable from a new one,
// so it may be forgotten.
func (r Rule) refill() time.Duration {
	return time.Duration(float64(r.Burst) / r.Rate * float64(time.Second))
}

// Limiter takes one token from the bucket named key.
type Limiter interface {
	// Allow reports whether a request under key may proceed; when it may
	// not, retryAfter is how long until a token is available. A disabled
	// rule always allows. err is set when the limiter could not decide
	// (ok is then true, but the caller chooses the policy).
	Allow(ctx context.Context, key string, rule Rule) (ok bool, retryAfter time.Duration, err error)
}

// ErrSyntax is wrapped by ParseRule's errors.
var ErrSyntax = errors.New("want RATE/UNIT[,burst=N] such as 500/s,burst=1000, or 0 to disable")

// ParseRule reads the compact rule syntax used in configuration:
//
//	500/s,burst=1000   500 per second, bursts of up to 1000
//	30/m               30 per minute; burst defaults to the per-second rate
//	                   rounded up, at least 1
//	0 or off           disabled
//
// The unit is s, m or h; RATE may have a fraction (0.5/s).
func ParseRule(s string) (Rule, error) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "0", "off", "none", "disabled":
		return Rule{}, nil
	}
	rateText, opts, _ := strings.Cut(s, ",")
	num, unit, ok := strings.Cut(strings.TrimSpace(rateText), "/")
	if !ok {
		return Rule{}, fmt.Errorf("rate limit %q: %w", s, ErrSyntax)
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || n <= 0 || math.IsInf(n, 0) || math.IsNaN(n) {
		return Rule{}, fmt.Errorf("rate limit %q: rate must be a positive number: %w", s, ErrSyntax)
	}
	var per float64
	switch strings.TrimSpace(strings.ToLower(unit)) {
	case "s", "sec", "second":
		per = 1
	case "m", "min", "minute":
		per = 60
	case "h", "hour":
		per = 3600
	default:
		return Rule{}, fmt.Errorf("rate limit %q: unit must be s, m or h: %w", s, ErrSyntax)
	}
	rule := Rule{Rate: n / per}
	rule.Burst = max(1, int(math.Ceil(rule.Rate)))
	if opts != "" {
		for _, opt := range strings.Split(opts, ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(opt), "=")
			if strings.TrimSpace(k) != "burst" {
				return Rule{}, fmt.Errorf("rate limit %q: unknown option %q: %w", s, k, ErrSyntax)
			}
			b, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || b < 1 {
				return Rule{}, fmt.Errorf("rate limit %q: burst must be a positive integer: %w", s, ErrSyntax)
			}
			rule.Burst = b
		}
	}
	return rule, nil
}

// RetryAfterSeconds renders a wait as a Retry-After value: whole seconds,
// rounded up, at least 1 (a "0" would invite an immediate retry that is
// refused again).
func RetryAfterSeconds(d time.Duration) int {
	s := int(math.Ceil(d.Seconds()))
	return max(1, s)
}
