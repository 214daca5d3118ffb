package store

import (
	"testing"
	"time"
)

// TestRate: the bucket starts full, refills at per_second up to burst,
// and the next whole token is due when the missing fraction has refilled.
func TestRate(t *testing.T) {
	r := Rate{PerSecond: 20, Burst: 5}
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if got := r.Tokens(0, time.Time{}, false, t0); got != 5 {
		t.Errorf("never stored: %v tokens, want 5 (full)", got)
	}
	if got := r.Tokens(0.5, t0, true, t0.Add(100*time.Millisecond)); got != 2.5 {
		t.Errorf("0.5 + 0.1 s at 20/s = %v, want 2.5", got)
	}
	if got := r.Tokens(0, t0, true, t0.Add(time.Hour)); got != 5 {
		t.Errorf("after an hour: %v, want the burst 5", got)
	}
	if got := r.Tokens(0.25, t0, true, t0.Add(-time.Second)); got != 0.25 {
		t.Errorf("clock went back: %v, want the stored 0.25", got)
	}
	for tokens, want := range map[float64]int64{0: 0, 0.99: 0, 1: 1, 4.7: 4, -0.5: 0} {
		if got := Whole(tokens); got != want {
			t.Errorf("Whole(%v) = %d, want %d", tokens, got, want)
		}
	}
	if got := r.NextToken(0.5, t0); !got.Equal(t0.Add(25 * time.Millisecond)) {
		t.Errorf("NextToken(0.5) = %v after t0, want 25ms", got.Sub(t0))
	}
	if got := r.NextToken(1.5, t0); !got.Equal(t0) {
		t.Errorf("NextToken(1.5) = %v after t0, want now", got.Sub(t0))
	}
}
