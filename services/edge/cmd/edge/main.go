// Command edge runs the hookmesh HTTP edge. Configuration is environment
// variables; see services/edge/README.md.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/hookmesh/hookmesh/services/edge"
	"github.com/hookmesh/hookmesh/services/internal/logging"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "edge:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log, err := logging.New(os.Stderr, os.Getenv("HOOKMESH_LOG_FORMAT"), os.Getenv("HOOKMESH_LOG_LEVEL"))
	if err != nil {
		return err
	}
	cfg, err := edge.ConfigFromEnv(os.LookupEnv)
	if err != nil {
		return err
	}
	return edge.Run(ctx, cfg, log.With("service", "edge"))
}
