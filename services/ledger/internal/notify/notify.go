// Package notify fans the ledger's one database notification listener out
// to every open WatchDeliveries stream. Each watcher holds at most one
// pending wake-up: notifications that arrive while a stream is busy sending
// are merged into the next message, so a slow client never blocks the
// listener or the other streams, and never falls behind by more than one
// message.
package notify

import (
	"slices"
	"sync"
)

// Hub is the broadcaster. The zero value is not usable: call NewHub.
type Hub struct {
	mu       sync.Mutex
	watchers map[*Watcher]struct{}
	closed   bool
	done     chan struct{}
}

// NewHub returns an open Hub.
func NewHub() *Hub {
	return &Hub{watchers: map[*Watcher]struct{}{}, done: make(chan struct{})}
}

// Watcher is one subscriber of a Hub.
type Watcher struct {
	hub   *Hub
	ready chan struct{} // capacity 1: a pending wake-up

	mu      sync.Mutex
	anySub  bool                // a notification named no subscription
	pending map[string]struct{} // subscriptions named since the last Take
}

// Watch registers a new watcher. After Close, the watcher's Done channel is
// already closed.
func (h *Hub) Watch() *Watcher {
	w := &Watcher{hub: h, ready: make(chan struct{}, 1), pending: map[string]struct{}{}}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.closed {
		h.watchers[w] = struct{}{}
	}
	return w
}

// Publish wakes every watcher with the subscriptions concerned; nil or
// empty means any. It never blocks.
func (h *Hub) Publish(subscriptions []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for w := range h.watchers {
		w.add(subscriptions)
	}
}

// Close ends every watcher (their Done channels close) and refuses new
// ones: the server is shutting down, and open streams must not hold up its
// graceful stop. It is safe to call twice.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.closed {
		h.closed = true
		close(h.done)
		clear(h.watchers)
	}
}

// Done is closed when the hub closes: other streams of the server end
// with it too.
func (h *Hub) Done() <-chan struct{} { return h.done }

// Len returns the number of registered watchers.
func (h *Hub) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.watchers)
}

func (w *Watcher) add(subscriptions []string) {
	w.mu.Lock()
	if len(subscriptions) == 0 {
		w.anySub = true
	}
	for _, s := range subscriptions {
		w.pending[s] = struct{}{}
	}
	w.mu.Unlock()
	select {
	case w.ready <- struct{}{}:
	default: // already pending: merged into the next Take
	}
}

// Ready receives when a notification is pending; call Take then.
func (w *Watcher) Ready() <-chan struct{} { return w.ready }

// Done is closed when the hub closes.
func (w *Watcher) Done() <-chan struct{} { return w.hub.done }

// Take returns and clears what is pending: the sorted subscription names,
// or nil when any subscription may have work. ok is false when nothing was
// pending, which happens when a notification arrived between a wake-up and
// the Take before it, and was taken then.
func (w *Watcher) Take() (subscriptions []string, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.anySub && len(w.pending) == 0 {
		return nil, false
	}
	if !w.anySub {
		subscriptions = make([]string, 0, len(w.pending))
		for s := range w.pending {
			subscriptions = append(subscriptions, s)
		}
		slices.Sort(subscriptions)
	}
	w.anySub = false
	clear(w.pending)
	return subscriptions, true
}

// Close unregisters the watcher.
func (w *Watcher) Close() {
	w.hub.mu.Lock()
	defer w.hub.mu.Unlock()
	delete(w.hub.watchers, w)
}
