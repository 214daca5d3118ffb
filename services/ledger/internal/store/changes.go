package store

import "sync"

// Changes tells event stream readers that events may have been recorded:
// Wait returns a channel that Signal closes. A reader takes the channel
// before it reads, then waits on it, so a Record committed between its
// read and its wait still wakes it. Signal costs a lock and nothing more
// when no one waits, since Record calls it for every new event.
// The zero value is ready to use.
type Changes struct {
	mu sync.Mutex
	ch chan struct{} // nil until someone waits
}

// Wait returns a channel closed by the next Signal.
func (c *Changes) Wait() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ch == nil {
		c.ch = make(chan struct{})
	}
	return c.ch
}

// Signal wakes every waiter.
func (c *Changes) Signal() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ch != nil {
		close(c.ch)
		c.ch = nil
	}
}
