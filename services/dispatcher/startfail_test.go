package dispatcher

import (
	"context"
	"log/slog"
	"net"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/host/hosttest"
	"github.com/hookmesh/hookmesh/services/internal/tlsconfig"
)

// TestFailedStartClosesGivenListeners: when start-up fails (on TLS files
// that do not exist) Run returns the error and closes every listener it
// was handed, used yet or not.
func TestFailedStartClosesGivenListeners(t *testing.T) {
	hosttest.FailedStartCloses(t, 2, func(ls []net.Listener, tls tlsconfig.Config) error {
		return Run(context.Background(), Config{GRPCListener: ls[0], AdminListener: ls[1], TLS: tls}, slog.New(slog.DiscardHandler))
	})
}
