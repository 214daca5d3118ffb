package admin

import (
	"runtime"
	"runtime/debug"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// Build describes the running binary, from what the Go toolchain recorded
// in it (runtime/debug.ReadBuildInfo): the module version and the commit
// it was built from, when it was built from a repository.
type Build struct {
	// Path is the main module's path.
	Path string `json:"path"`
	// Version is the main module's version: a release tag, a
	// pseudo-version, or "(devel)".
	Version string `json:"version"`
	// Revision is the commit built, empty when unknown.
	Revision string `json:"revision"`
	// Time is the commit's time (RFC 3339), empty when unknown.
	Time string `json:"time"`
	// Modified is true when the work tree had uncommitted changes.
	Modified bool `json:"modified"`
	// GoVersion is the toolchain that built the binary.
	GoVersion string `json:"go_version"`
}

// BuildInfo returns the running binary's Build; it is read once.
var BuildInfo = sync.OnceValue(func() Build {
	b := Build{Version: "(unknown)", GoVersion: runtime.Version()}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	b.Path, b.Version = info.Main.Path, info.Main.Version
	if b.Version == "" {
		b.Version = "(devel)" // a test binary
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
})

// buildInfoGauge is hookmesh_build_info: always 1, its labels say which
// build runs, so a dashboard can show (and join on) the version of every
// instance.
func buildInfoGauge() prometheus.Collector {
	b := BuildInfo()
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "hookmesh_build_info",
		Help: "Always 1; the labels name the build that runs: module version, commit (revision) and Go version.",
		ConstLabels: prometheus.Labels{
			"version":   b.Version,
			"revision":  b.Revision,
			"goversion": b.GoVersion,
		},
	})
	g.Set(1)
	return g
}
