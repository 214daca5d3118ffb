package notify

import (
	"slices"
	"testing"
)

func take(t *testing.T, w *Watcher) ([]string, bool) {
	t.Helper()
	select {
	case <-w.Ready():
	default:
		t.Fatal("no wake-up pending")
	}
	return w.Take()
}

func TestCoalesce(t *testing.T) {
	t.Parallel()
	h := NewHub()
	a, b := h.Watch(), h.Watch()
	h.Publish([]string{"orders"})
	h.Publish([]string{"billing", "orders"})
	got, ok := take(t, a)
	if !ok || !slices.Equal(got, []string{"billing", "orders"}) {
		t.Errorf("merged take = %v, %v; want [billing orders]", got, ok)
	}
	select {
	case <-a.Ready():
		t.Error("a second wake-up after a merged one")
	default:
	}
	// "Any" wins over names.
	h.Publish(nil)
	if got, ok := take(t, b); !ok || got != nil {
		t.Errorf("take after any = %v, %v; want nil, true", got, ok)
	}
	if _, ok := a.Take(); !ok {
		t.Error("a missed the any notification")
	}
	if _, ok := a.Take(); ok {
		t.Error("Take with nothing pending reported ok")
	}
}

func TestCloseEndsWatchers(t *testing.T) {
	t.Parallel()
	h := NewHub()
	w := h.Watch()
	gone := h.Watch()
	gone.Close()
	if n := h.Len(); n != 1 {
		t.Fatalf("Len = %d, want 1", n)
	}
	h.Publish([]string{"x"}) // must not block on the closed watcher
	h.Close()
	h.Close()
	select {
	case <-w.Done():
	default:
		t.Error("Done not closed by Close")
	}
	late := h.Watch()
	select {
	case <-late.Done():
	default:
		t.Error("a watcher made after Close is not done")
	}
	if n := h.Len(); n != 0 {
		t.Errorf("Len after Close = %d, want 0", n)
	}
}
