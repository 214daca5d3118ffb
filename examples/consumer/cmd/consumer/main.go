// Command consumer runs the example downstream handler. Environment:
// HOOKMESH_CONSUMER_GRPC_ADDR (default 127.0.0.1:9094),
// HOOKMESH_CONSUMER_DATABASE_URL (default DATABASE_URL),
// HOOKMESH_CONSUMER_SCHEMA (default example_consumer).
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/hookmesh/hookmesh/examples/consumer"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := consumer.Config{
		GRPCAddr:    getenv("HOOKMESH_CONSUMER_GRPC_ADDR", "127.0.0.1:9094"),
		DatabaseURL: getenv("HOOKMESH_CONSUMER_DATABASE_URL", os.Getenv("DATABASE_URL")),
		Schema:      getenv("HOOKMESH_CONSUMER_SCHEMA", "example_consumer"),
	}
	if cfg.DatabaseURL == "" {
		fmt.Fprintln(os.Stderr, "consumer: set HOOKMESH_CONSUMER_DATABASE_URL or DATABASE_URL")
		os.Exit(2)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("service", "consumer")
	if err := consumer.Run(ctx, cfg, log); err != nil {
		fmt.Fprintln(os.Stderr, "consumer:", err)
		os.Exit(1)
	}
}

func getenv(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
