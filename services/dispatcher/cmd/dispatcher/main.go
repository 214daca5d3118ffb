// Command dispatcher runs the hookmesh dispatcher. Configuration is
// environment variables; see services/dispatcher/README.md.
package main

import (
	"context"
	"log/slog"

	"github.com/hookmesh/hookmesh/services/dispatcher"
	"github.com/hookmesh/hookmesh/services/internal/command"
)

func main() {
	command.Main("dispatcher", func(ctx context.Context, lookup func(string) (string, bool), log *slog.Logger) error {
		cfg, err := dispatcher.ConfigFromEnv(lookup)
		if err != nil {
			return err
		}
		return dispatcher.Run(ctx, cfg, log)
	})
}
