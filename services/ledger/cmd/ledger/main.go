// Command ledger runs the hookmesh ledger service. "ledger migrate" only
// applies the database migrations and exits (a deploy Job runs it).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/hookmesh/hookmesh/services/internal/env"
	"github.com/hookmesh/hookmesh/services/internal/logging"
	"github.com/hookmesh/hookmesh/services/ledger"
)

func main() { os.Exit(run()) }

func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	lookup, err := env.WithConfigFile(os.LookupEnv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ledger:", err)
		return 2
	}
	format, _ := lookup("HOOKMESH_LOG_FORMAT")
	level, _ := lookup("HOOKMESH_LOG_LEVEL")
	log, err := logging.New(os.Stderr, format, level)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ledger:", err)
		return 2
	}
	cmd := ledger.Run
	switch args := os.Args[1:]; {
	case len(args) == 0:
	case len(args) == 1 && args[0] == "migrate":
		cmd = ledger.Migrate
	default:
		fmt.Fprintf(os.Stderr, "usage: %s [migrate]\n", os.Args[0])
		return 2
	}
	cfg, err := ledger.ConfigFromEnv(lookup)
	if err != nil {
		log.Error("invalid configuration", "error", err)
		return 2
	}
	if err := cmd(ctx, cfg, log); err != nil {
		log.Error("ledger failed", "error", err)
		return 1
	}
	return 0
}
