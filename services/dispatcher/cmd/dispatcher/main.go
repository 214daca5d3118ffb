// Command dispatcher runs the hookmesh dispatcher. Configuration is
// environment variables; see services/dispatcher/README.md.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/hookmesh/hookmesh/services/dispatcher"
	"github.com/hookmesh/hookmesh/services/internal/logging"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "dispatcher:", err)
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
	cfg, err := dispatcher.ConfigFromEnv(os.LookupEnv)
	if err != nil {
		return err
	}
	return dispatcher.Run(ctx, cfg, log.With("service", "dispatcher"))
}
