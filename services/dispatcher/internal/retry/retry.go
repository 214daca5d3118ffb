// Package retry decides what happens after a failed delivery attempt: the
// error class of the handler's gRPC code, and from the subscription's policy
// for that class, whether to try again and after how long.
package retry

import (
	"math/rand/v2"
	"time"

	"google.golang.org/grpc/codes"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

// Classify maps a handler's gRPC code to an error class, as the handler
// contract documents. Unknown codes are validation errors: a code nobody
// planned for is a bug, and retrying a bug only delays its dead letter.
func Classify(code codes.Code) ledgerv1.ErrorClass {
	switch code {
	case codes.OK:
		return ledgerv1.ErrorClass_ERROR_CLASS_UNSPECIFIED
	case codes.Unavailable, codes.DeadlineExceeded:
		return ledgerv1.ErrorClass_ERROR_CLASS_NETWORK
	case codes.ResourceExhausted:
		return ledgerv1.ErrorClass_ERROR_CLASS_THROTTLED
	case codes.Internal, codes.Unknown, codes.Aborted, codes.DataLoss:
		return ledgerv1.ErrorClass_ERROR_CLASS_DOWNSTREAM
	}
	return ledgerv1.ErrorClass_ERROR_CLASS_VALIDATION
}

// Rule is one class's retry rule.
type Rule struct {
	// MaxAttempts is the total of counted attempts before a dead letter.
	MaxAttempts int
	// Delay is the base delay (exponential start, fixed delay, linear step).
	Delay time.Duration
	// MaxDelay caps any computed delay.
	MaxDelay time.Duration
}

// Policy holds the rules of the retried classes. Validation errors are
// never retried.
type Policy struct {
	Network    Rule
	Throttled  Rule
	Downstream Rule
}

// Default is the default retry policy by error class, documented in
// services/dispatcher/README.md.
func Default() Policy {
	return Policy{
		Network:    Rule{MaxAttempts: 5, Delay: time.Second, MaxDelay: 5 * time.Minute},
		Throttled:  Rule{MaxAttempts: 10, Delay: 60 * time.Second, MaxDelay: time.Hour},
		Downstream: Rule{MaxAttempts: 3, Delay: 10 * time.Second, MaxDelay: 5 * time.Minute},
	}
}

// FromProto returns Default with the subscription's overrides applied.
func FromProto(p *ledgerv1.RetryPolicy) Policy {
	out := Default()
	override(&out.Network, p.GetNetwork())
	override(&out.Throttled, p.GetThrottled())
	override(&out.Downstream, p.GetDownstream())
	return out
}

func override(r *Rule, c *ledgerv1.ClassPolicy) {
	if c == nil {
		return
	}
	if c.GetMaxAttempts() > 0 {
		r.MaxAttempts = int(c.GetMaxAttempts())
	}
	if d := c.GetDelay().AsDuration(); c.GetDelay() != nil && d > 0 {
		r.Delay = d
	}
	if d := c.GetMaxDelay().AsDuration(); c.GetMaxDelay() != nil && d > 0 {
		r.MaxDelay = d
	}
}

// Jitter returns a uniformly random duration in [0, max]; tests replace it.
type Jitter func(max time.Duration) time.Duration

// FullJitter is the production Jitter.
func FullJitter(max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(max) + 1))
}

// Next decides after a failure of class on counted attempt number attempts
// (1 for the first): retry after delay, or give up (dead letter). hint is
// the handler's own retry-after for throttling, used when positive.
func (p Policy) Next(class ledgerv1.ErrorClass, attempts int, hint time.Duration, jitter Jitter) (delay time.Duration, retry bool) {
	var r Rule
	switch class {
	case ledgerv1.ErrorClass_ERROR_CLASS_NETWORK:
		r = p.Network
	case ledgerv1.ErrorClass_ERROR_CLASS_THROTTLED:
		r = p.Throttled
	case ledgerv1.ErrorClass_ERROR_CLASS_DOWNSTREAM:
		r = p.Downstream
	default:
		return 0, false
	}
	if attempts >= r.MaxAttempts {
		return 0, false
	}
	switch class {
	case ledgerv1.ErrorClass_ERROR_CLASS_NETWORK:
		// Full jitter spreads the retries of many deliveries that failed
		// together, so a recovering handler is not hit by a synchronized wave.
		return jitter(capped(r.Delay, attempts-1, r.MaxDelay)), true
	case ledgerv1.ErrorClass_ERROR_CLASS_THROTTLED:
		if hint > 0 {
			return min(hint, r.MaxDelay), true
		}
		return r.Delay, true
	default:
		return min(r.Delay*time.Duration(attempts), r.MaxDelay), true
	}
}

// capped returns min(base * 2^exp, max) without overflowing.
func capped(base time.Duration, exp int, max time.Duration) time.Duration {
	d := base
	for range exp {
		if d >= max/2 {
			return max
		}
		d *= 2
	}
	return min(d, max)
}
