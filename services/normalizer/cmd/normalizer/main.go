// Command normalizer runs the hookmesh NormalizerService. Configuration
// comes from the environment: see the service README.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/hookmesh/hookmesh/services/internal/logging"
	"github.com/hookmesh/hookmesh/services/normalizer"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "normalizer: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	log, err := logging.New(os.Stderr, os.Getenv("HOOKMESH_LOG_FORMAT"), os.Getenv("HOOKMESH_LOG_LEVEL"))
	if err != nil {
		return err
	}
	cfg, err := normalizer.ConfigFromEnv(os.LookupEnv)
	if err != nil {
		return err
	}
	return normalizer.Run(ctx, cfg, log)
}
