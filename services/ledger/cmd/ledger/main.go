// Command ledger runs the hookmesh ledger service. "ledger migrate" only
// applies the database migrations and exits (a deploy Job runs it).
// Configuration is environment variables; see services/ledger/README.md.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/hookmesh/hookmesh/services/internal/command"
	"github.com/hookmesh/hookmesh/services/ledger"
)

func main() {
	// command.Main, like every other service: the GC setting, tracing, the
	// config file and the signal handling are the same for all of them.
	command.Main("ledger", func(ctx context.Context, lookup func(string) (string, bool), log *slog.Logger) error {
		cmd := ledger.Run
		switch args := os.Args[1:]; {
		case len(args) == 0:
		case len(args) == 1 && args[0] == "migrate":
			cmd = ledger.Migrate
		default:
			return fmt.Errorf("usage: %s [migrate]", os.Args[0])
		}
		cfg, err := ledger.ConfigFromEnv(lookup)
		if err != nil {
			return err
		}
		return cmd(ctx, cfg, log)
	})
}
