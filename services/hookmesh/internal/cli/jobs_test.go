package cli

import (
	"testing"
	"time"
)

func TestParseWhen(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2026-12-01T09:00:00Z", time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), true},
		{"2026-12-01T09:00:00.5+01:00", time.Date(2026, 12, 1, 8, 0, 0, 5e8, time.UTC), true},
		{"90m", now.Add(-90 * time.Minute), true},
		{"48h", now.Add(-48 * time.Hour), true},
		{"-1h", time.Time{}, false}, // a time ahead is never meant
		{"monday", time.Time{}, false},
		{"", time.Time{}, false},
	} {
		got, err := parseWhen(c.in, now)
		if (err == nil) != c.ok || (c.ok && !got.Equal(c.want)) {
			t.Errorf("parseWhen(%q) = %v, %v; want %v (ok %v)", c.in, got, err, c.want, c.ok)
		}
	}
}
