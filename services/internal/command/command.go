// Package command is the shared main of the service binaries: a context
// cancelled by SIGINT or SIGTERM, the logger from HOOKMESH_LOG_FORMAT and
// HOOKMESH_LOG_LEVEL, configuration from the environment and the optional
// YAML file HOOKMESH_CONFIG names (env.WithConfigFile), and exit code 1
// with the error on stderr. Each cmd/<name>/main.go stays one call.
package command

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/hookmesh/hookmesh/services/internal/env"
	"github.com/hookmesh/hookmesh/services/internal/host"
	"github.com/hookmesh/hookmesh/services/internal/logging"
)

// RunFunc reads its configuration through lookup and serves until ctx is
// done.
type RunFunc func(ctx context.Context, lookup func(string) (string, bool), log *slog.Logger) error

// Main runs the service called name and exits.
func Main(name string, run RunFunc) {
	host.TuneGC()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Exec(ctx, name, os.LookupEnv, os.Stderr, run)
	stop()
	os.Exit(code)
}

// Exec is Main without the process around it, for tests: it returns the
// exit code instead of exiting.
func Exec(ctx context.Context, name string, lookup func(string) (string, bool), stderr io.Writer, run RunFunc) int {
	lookup, err := env.WithConfigFile(lookup)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	format, _ := lookup("HOOKMESH_LOG_FORMAT")
	level, _ := lookup("HOOKMESH_LOG_LEVEL")
	log, err := logging.New(stderr, format, level)
	if err == nil {
		var flush func()
		if flush, err = host.Tracing(ctx, name, lookup, log); err == nil {
			err = run(ctx, lookup, log.With("service", name))
			flush()
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	return 0
}
