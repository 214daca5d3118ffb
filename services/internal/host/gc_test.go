package host

import (
	"os"
	"runtime/debug"
	"testing"
)

// TestTuneGC: the default applies only when GOGC is unset; the operator's
// value wins.
func TestTuneGC(t *testing.T) {
	t.Setenv("GOGC", "") // registers the restore; unset below
	os.Unsetenv("GOGC")
	if got := TuneGC(); got != DefaultGCPercent {
		t.Errorf("TuneGC without GOGC = %d, want %d", got, DefaultGCPercent)
	}
	if inEffect := debug.SetGCPercent(100); inEffect != DefaultGCPercent {
		t.Errorf("after TuneGC without GOGC the runtime's GC percent is %d, want %d", inEffect, DefaultGCPercent)
	}
	t.Setenv("GOGC", "50")
	debug.SetGCPercent(50) // what the runtime read from GOGC at start
	if got := TuneGC(); got != 50 {
		t.Errorf("TuneGC with GOGC=50 = %d, want 50", got)
	}
	debug.SetGCPercent(100)
}
