package host

import (
	"os"
	"runtime/debug"
)

// DefaultGCPercent is the garbage collector's target when GOGC is not set.
//
// Why not Go's 100: a webhook's bytes are short-lived garbage (the body, its
// proto copies, gRPC frames), and at 100 the collector took about a tenth
// of the edge's CPU in the benchmark's profiles (gcBgMarkWorker 9%). 200
// halves how often it runs for a heap about twice as large; the services'
// peak resident memory in the full benchmark stayed at 30-74 MiB, under
// the 100 MB each is held to.
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
