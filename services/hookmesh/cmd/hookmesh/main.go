// Command hookmesh runs the whole system in one process and talks to it:
// send signed sample webhooks, list events, replay dead letters. See
// `hookmesh help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/hookmesh/hookmesh/services/hookmesh/internal/cli"
	"github.com/hookmesh/hookmesh/services/internal/host"
)

func main() {
	host.TuneGC()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
