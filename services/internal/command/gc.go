package command

import (
	"os"
	"runtime/debug"
)

// DefaultGCPercent is the garbage collector's target when GOGC is not set.
//
// Why not Go's 100: a webhook's bytes are short-lived garbage (the body, its
// proto copies, gRPC frames), the live heap of every service is small (10-20
// MiB under load), and at 100 the collector took about a tenth of the edge's
// CPU in the benchmark's profiles. 200 halves how often it runs for a heap
// about twice as large, far below the 100 MiB each service is held to.
// An operator's GOGC or GOMEMLIMIT still wins.
const DefaultGCPercent = 200

// TuneGC applies DefaultGCPercent unless the environment sets GOGC; it
// returns the percentage in effect.
func TuneGC() int {
	if _, set := os.LookupEnv("GOGC"); set {
		old := debug.SetGCPercent(100) // read the runtime's value back
		debug.SetGCPercent(old)
		return old
	}
	debug.SetGCPercent(DefaultGCPercent)
	return DefaultGCPercent
}
