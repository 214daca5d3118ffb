package host

import (
	"context"
	"log/slog"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/tracing"
)

// TracingFlushTimeout bounds how long the spans still buffered at exit may
// take to be exported, past the end of the process's context.
const TracingFlushTimeout = 5 * time.Second

// Tracing sets up the process's tracer provider for service name
// (tracing.Setup reads its configuration through lookup) and returns the
// flush to call once every service of the process has stopped: it exports
// the buffered spans for at most TracingFlushTimeout and logs a failure.
func Tracing(ctx context.Context, name string, lookup func(string) (string, bool), log *slog.Logger) (flush func(), err error) {
	shutdown, err := tracing.Setup(ctx, name, lookup)
	if err != nil {
		return nil, err
	}
	return func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), TracingFlushTimeout)
		defer cancel()
		if err := shutdown(sctx); err != nil {
			log.Warn("tracing shutdown", slog.Any("error", err))
		}
	}, nil
}
