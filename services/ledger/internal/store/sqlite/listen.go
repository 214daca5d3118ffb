package sqlite

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
)

// hub fans the store's committed "work may be due" events out to its Listen
// calls. Each listener holds at most one pending wake-up, merging what
// arrives while its notify runs, so a write never waits for a listener.
type hub struct {
	mu        sync.Mutex
	listeners map[*listener]struct{}
	done      chan struct{} // closed by close: Listen returns
}

type listener struct {
	wake chan struct{} // capacity 1: a pending wake-up

	mu      sync.Mutex
	anySub  bool
	pending map[string]struct{}
}

func (h *hub) init() {
	h.listeners = map[*listener]struct{}{}
	h.done = make(chan struct{})
}

// publish wakes every listener with subs; empty means any subscription.
func (h *hub) publish(subs []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for l := range h.listeners {
		l.mu.Lock()
		if len(subs) == 0 {
			l.anySub = true
		}
		for _, s := range subs {
			l.pending[s] = struct{}{}
		}
		l.mu.Unlock()
		select {
		case l.wake <- struct{}{}:
		default: // already pending: merged
		}
	}
}

// take returns and clears l's pending subscriptions, nil for any; ok is
// false when nothing is pending (a wake-up whose news an earlier take
// already carried).
func (l *listener) take() (subs []string, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.anySub && len(l.pending) == 0 {
		return nil, false
	}
	var out []string
	if !l.anySub {
		out = make([]string, 0, len(l.pending))
		for s := range l.pending {
			out = append(out, s)
		}
		slices.Sort(out)
	}
	l.anySub, l.pending = false, map[string]struct{}{}
	return out, true
}

func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.done != nil {
		close(h.done)
		h.listeners = map[*listener]struct{}{}
	}
}

// Listen calls notify for every committed write of this Store that makes
// work due (see store.Store), on this goroutine, after one notify(nil) once
// registered. SQLite has no LISTEN/NOTIFY: the writes themselves wake the
// listeners after their commit, in this process only. Listen returns nil
// when ctx is done, and ErrUnavailable when the store is closed.
func (s *Store) Listen(ctx context.Context, notify func(subscriptions []string)) error {
	if err := s.checkOpen("listen"); err != nil {
		return err
	}
	l := &listener{wake: make(chan struct{}, 1), pending: map[string]struct{}{}}
	h := &s.hub
	h.mu.Lock()
	select {
	case <-h.done:
		h.mu.Unlock()
		return fmt.Errorf("listen: store closed: %w", apperr.ErrUnavailable)
	default:
	}
	h.listeners[l] = struct{}{}
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		delete(h.listeners, l)
		h.mu.Unlock()
	}()
	// As after PostgreSQL's (re)connect: anything may have become due while
	// nobody listened.
	notify(nil)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-h.done:
			return fmt.Errorf("listen: store closed: %w", apperr.ErrUnavailable)
		case <-l.wake:
			if subs, ok := l.take(); ok {
				notify(subs)
			}
		}
	}
}
