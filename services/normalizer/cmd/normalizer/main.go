// Command normalizer runs the hookmesh NormalizerService. Configuration
// comes from the environment: see the service README.
package main

import (
	"context"
	"log/slog"

	"github.com/hookmesh/hookmesh/services/internal/command"
	"github.com/hookmesh/hookmesh/services/normalizer"
)

func main() {
	command.Main("normalizer", func(ctx context.Context, lookup func(string) (string, bool), log *slog.Logger) error {
		cfg, err := normalizer.ConfigFromEnv(lookup)
		if err != nil {
			return err
		}
		return normalizer.Run(ctx, cfg, log)
	})
}
