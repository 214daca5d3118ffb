package breaker

import (
	"errors"
	"testing"
	"time"

	"github.com/sony/gobreaker/v2"
)

var (
	errNetwork    = errors.New("unavailable")
	errValidation = errors.New("invalid argument")
)

func newSet() *Set {
	return New(Settings{
		Failures: 3,
		OpenFor:  200 * time.Millisecond,
		Counts:   func(err error) bool { return errors.Is(err, errNetwork) },
	})
}

func TestOnlyNetworkFailuresOpen(t *testing.T) {
	t.Parallel()
	s := newSet()
	for range 10 {
		if err := s.Do("a", func() error { return errValidation }); !errors.Is(err, errValidation) {
			t.Fatalf("Do = %v, want the call's own error", err)
		}
	}
	if st := s.Statuses()[0].State; st != gobreaker.StateClosed {
		t.Fatalf("validation errors opened the breaker: %v", st)
	}
}

func TestOpensDefersAndRecovers(t *testing.T) {
	t.Parallel()
	s := newSet()
	for i := range 3 {
		err := s.Do("a", func() error { return errNetwork })
		var open *Open
		tripped := errors.As(err, &open)
		if !errors.Is(err, errNetwork) || tripped != (i == 2) {
			t.Fatalf("failure %d: %v; want the call's error, as *Open only for the failure that trips", i+1, err)
		}
	}
	called := false
	err := s.Do("a", func() error { called = true; return nil })
	var open *Open
	if !errors.As(err, &open) || called {
		t.Fatalf("after 3 network failures: err=%v called=%v, want *Open and no call", err, called)
	}
	if wait := time.Until(open.Until); wait <= 0 || wait > 200*time.Millisecond {
		t.Errorf("deferred for %v, want within the open period", wait)
	}
	if err := s.Do("b", func() error { return nil }); err != nil {
		t.Errorf("another target was affected: %v", err)
	}
	time.Sleep(250 * time.Millisecond)
	if err := s.Do("a", func() error { return nil }); err != nil {
		t.Fatalf("half-open trial: %v", err)
	}
	if st := s.Statuses()[0].State; st != gobreaker.StateClosed {
		t.Errorf("state after a successful trial = %v, want closed", st)
	}
}

// waitGates polls Gates until want holds (the open period is real time).
func waitGates(t *testing.T, s *Set, want func(skip, probe []string) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		skip, probe := s.Gates()
		if want(skip, probe) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("gates stayed skip=%v probe=%v", skip, probe)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestGatesFollowTheBreaker: an open breaker's target is skipped, a
// half-open one is probed until its trial call starts, then skipped while
// the trial runs; a failed trial keeps the outage's start; a successful one
// closes the gate.
func TestGatesFollowTheBreaker(t *testing.T) {
	t.Parallel()
	s := New(Settings{Failures: 1, OpenFor: 50 * time.Millisecond, Counts: func(err error) bool { return errors.Is(err, errNetwork) }})
	if skip, probe := s.Gates(); len(skip)+len(probe) != 0 {
		t.Fatalf("no breaker yet: skip=%v probe=%v", skip, probe)
	}
	_ = s.Do("ok", func() error { return nil })
	var first *Open
	if err := s.Do("down", func() error { return errNetwork }); !errors.As(err, &first) || first.Trial || first.Since.IsZero() {
		t.Fatalf("tripping failure = %v, want *Open with the outage's start, not a trial", err)
	}
	skip, probe := s.Gates()
	if len(skip) != 1 || skip[0] != "down" || len(probe) != 0 {
		t.Fatalf("open breaker: skip=%v probe=%v, want skip=[down]", skip, probe)
	}

	waitGates(t, s, func(skip, probe []string) bool { return len(probe) == 1 && probe[0] == "down" && len(skip) == 0 })
	started, finish := make(chan struct{}), make(chan error)
	done := make(chan error)
	go func() { done <- s.Do("down", func() error { close(started); return <-finish }) }()
	<-started
	if skip, probe := s.Gates(); len(skip) != 1 || len(probe) != 0 {
		t.Errorf("trial under way: skip=%v probe=%v, want skip=[down]", skip, probe)
	}
	finish <- errNetwork
	var again *Open
	if err := <-done; !errors.As(err, &again) || !again.Trial || !again.Since.Equal(first.Since) {
		t.Fatalf("failed trial = %v, want *Open marked Trial with the first opening's start %v", err, first.Since)
	}

	waitGates(t, s, func(skip, probe []string) bool { return len(probe) == 1 })
	if err := s.Do("down", func() error { return nil }); err != nil {
		t.Fatalf("trial: %v", err)
	}
	if skip, probe := s.Gates(); len(skip)+len(probe) != 0 {
		t.Errorf("after a successful trial: skip=%v probe=%v, want no gate", skip, probe)
	}
}
