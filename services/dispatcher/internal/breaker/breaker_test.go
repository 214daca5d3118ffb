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
