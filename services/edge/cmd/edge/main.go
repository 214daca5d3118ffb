// Command edge runs the hookmesh HTTP edge. Configuration is environment
// variables; see services/edge/README.md.
package main

import (
	"context"
	"log/slog"

	"github.com/hookmesh/hookmesh/services/edge"
	"github.com/hookmesh/hookmesh/services/internal/command"
)

func main() {
	command.Main("edge", func(ctx context.Context, lookup func(string) (string, bool), log *slog.Logger) error {
		cfg, err := edge.ConfigFromEnv(lookup)
		if err != nil {
			return err
		}
		return edge.Run(ctx, cfg, log)
	})
}
