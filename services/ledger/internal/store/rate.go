package store

import (
	"math"
	"time"
)

// Rate is a subscription's token bucket as a claim sees it: rate_per_second
// tokens are added each second up to burst, and each lease takes one. The
// PostgreSQL claim computes the same in SQL (postgres.claimSQL); SQLite's
// claim uses these functions.
type Rate struct {
	// PerSecond is the refill rate; 0 means no rate.
	PerSecond float64
	// Burst is the bucket's size, at least 1 when PerSecond is set.
	Burst int32
}

// Tokens returns the tokens of a bucket that held stored tokens at at, at
// now. A bucket never stored is full; a clock that went back adds nothing.
func (r Rate) Tokens(stored float64, at time.Time, found bool, now time.Time) float64 {
	if !found {
		return float64(r.Burst)
	}
	elapsed := max(now.Sub(at).Seconds(), 0)
	return min(float64(r.Burst), stored+elapsed*r.PerSecond)
}

// Whole returns how many leases tokens allow: its whole part.
func Whole(tokens float64) int64 {
	return int64(math.Floor(max(tokens, 0)))
}

// NextToken returns when a bucket holding tokens at now holds one whole
// token: now when it already does.
func (r Rate) NextToken(tokens float64, now time.Time) time.Time {
	if tokens >= 1 {
		return now
	}
	return now.Add(time.Duration((1 - tokens) / r.PerSecond * float64(time.Second)))
}
