// Package breaker keeps one circuit breaker (sony/gobreaker v2) per handler
// target. Only network-class failures count against a breaker: a handler
// that answers INVALID_ARGUMENT is up, and opening its breaker would delay
// every other delivery for no reason.
package breaker

import (
	"errors"
	"sort"
	"sync"
	"time"

	"github.com/sony/gobreaker/v2"
)

// Settings configures every breaker of a Set.
type Settings struct {
	// Failures is the run of consecutive network failures that opens a
	// breaker.
	Failures uint32
	// OpenFor is how long a breaker stays open before letting a trial call
	// through (half-open).
	OpenFor time.Duration
	// Counts decides which errors count as failures; others count as
	// successes (the target answered).
	Counts func(err error) bool
	// Excluded errors are neither success nor failure (our own shutdown).
	Excluded func(err error) bool
	// OnChange is told of every state change, for logs and metrics.
	OnChange func(target string, from, to gobreaker.State)
}

// Set holds the breakers by target.
type Set struct {
	settings Settings
	now      func() time.Time

	mu       sync.Mutex
	breakers map[string]*entry
}

type entry struct {
	cb       *gobreaker.CircuitBreaker[struct{}]
	mu       sync.Mutex
	openedAt time.Time
	// since is when the breaker last left closed: the start of the
	// outage, kept across failed trials.
	since time.Time
}

// New returns an empty Set.
func New(s Settings) *Set {
	return &Set{settings: s, now: time.Now, breakers: map[string]*entry{}}
}

// Open is returned by Do when the breaker is open: either it refused the
// call (Cause is nil), or the call failed and the breaker is open after it
// (Cause is the call's error). Until is when the breaker lets a trial call
// through, the time to defer the delivery to.
type Open struct {
	Until time.Time
	Cause error
	// Since is when the breaker opened after being closed: the outage's
	// start, the same for every failed trial that follows.
	Since time.Time
	// Trial is set when the failed call was a half-open breaker's trial.
	Trial bool
}

func (o *Open) Error() string {
	msg := "circuit breaker open until " + o.Until.Format(time.RFC3339)
	if o.Cause != nil {
		msg += ": " + o.Cause.Error()
	}
	return msg
}

// Unwrap returns the failed call's error, if any.
func (o *Open) Unwrap() error { return o.Cause }

// Do runs call through target's breaker. When the breaker is open (or its
// half-open trial slot is taken) call is not run and Do returns *Open.
//
// A counted failure that leaves the breaker open — the one that tripped it,
// or a failed half-open trial — is also returned as *Open: the target is
// down as a whole, and charging that failure to whichever delivery happened
// to make the call would dead-letter deliveries during an outage that the
// breaker is already handling.
func (s *Set) Do(target string, call func() error) error {
	e := s.get(target)
	trial := e.cb.State() == gobreaker.StateHalfOpen
	_, err := e.cb.Execute(func() (struct{}, error) { return struct{}{}, call() })
	refused := errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests)
	tripped := err != nil && !refused && s.settings.Counts != nil && s.settings.Counts(err) && e.cb.State() == gobreaker.StateOpen
	if !refused && !tripped {
		return err
	}
	e.mu.Lock()
	until, since := e.openedAt.Add(s.settings.OpenFor), e.since
	e.mu.Unlock()
	if now := s.now(); !until.After(now) {
		// Half-open with its trial in flight: look again shortly.
		until = now.Add(time.Second)
	}
	if refused {
		return &Open{Until: until, Since: since}
	}
	return &Open{Until: until, Cause: err, Since: since, Trial: trial}
}

// Gates says what a claim may take of each target whose breaker is not
// closed: skip lists the targets to claim nothing of (open, or half-open
// with its trial call under way), probe those to claim one delivery of
// (half-open, trial slot free). Targets of closed breakers are in
// neither. While a breaker is open its deliveries are not claimed at all,
// so an outage costs nothing per waiting delivery, and only a trial's
// worth is claimed when it half-opens.
//
// Reading a breaker's state is what moves it from open to half-open once
// its period is over (gobreaker's state is computed when read), so a claim
// loop that asks before each claim sees the period end without a call.
func (s *Set) Gates() (skip, probe []string) {
	s.mu.Lock()
	entries := make(map[string]*entry, len(s.breakers))
	for target, e := range s.breakers {
		entries[target] = e
	}
	s.mu.Unlock()
	for target, e := range entries {
		switch e.cb.State() {
		case gobreaker.StateOpen:
			skip = append(skip, target)
		case gobreaker.StateHalfOpen:
			// gobreaker's own count of calls let through (exclusions, our
			// shutdown's cancellations, give their slot back).
			if c := e.cb.Counts(); c.Requests > c.TotalExclusions {
				skip = append(skip, target)
			} else {
				probe = append(probe, target)
			}
		}
	}
	sort.Strings(skip)
	sort.Strings(probe)
	return skip, probe
}

func (s *Set) get(target string) *entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.breakers[target]; ok {
		return e
	}
	e := &entry{}
	e.cb = gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        target,
		MaxRequests: 1,
		Timeout:     s.settings.OpenFor,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= s.settings.Failures },
		IsSuccessful: func(err error) bool {
			return err == nil || s.settings.Counts == nil || !s.settings.Counts(err)
		},
		IsExcluded: s.settings.Excluded,
		OnStateChange: func(name string, from, to gobreaker.State) {
			if to == gobreaker.StateOpen {
				e.mu.Lock()
				e.openedAt = s.now()
				if from == gobreaker.StateClosed {
					e.since = e.openedAt
				}
				e.mu.Unlock()
			}
			if s.settings.OnChange != nil {
				s.settings.OnChange(name, from, to)
			}
		},
	})
	s.breakers[target] = e
	return e
}

// Status is one breaker's state.
type Status struct {
	Target              string
	State               gobreaker.State
	ConsecutiveFailures uint32
}

// Statuses returns every breaker's state, by target.
func (s *Set) Statuses() []Status {
	s.mu.Lock()
	out := make([]Status, 0, len(s.breakers))
	for target, e := range s.breakers {
		out = append(out, Status{Target: target, State: e.cb.State(), ConsecutiveFailures: e.cb.Counts().ConsecutiveFailures})
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Target < out[j].Target })
	return out
}
