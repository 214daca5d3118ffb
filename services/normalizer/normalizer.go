// Package normalizer runs the hookmesh normalizer: the gRPC
// NormalizerService that turns an authenticated webhook into a
// NormalizedEvent. Run is exported so a one-process runner can compose it
// with the other services; cmd/normalizer is a thin wrapper around it.
package normalizer

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	normalizerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/normalizer/v1"
	"github.com/hookmesh/hookmesh/services/internal/env"
	"github.com/hookmesh/hookmesh/services/internal/grpcserver"
	"github.com/hookmesh/hookmesh/services/internal/sources"
	"github.com/hookmesh/hookmesh/services/normalizer/internal/normalize"
	"github.com/hookmesh/hookmesh/services/normalizer/internal/server"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// DefaultGRPCAddr is the normalizer's gRPC address in the public contract.
const DefaultGRPCAddr = ":9091"

// Config is the normalizer's configuration.
type Config struct {
	// GRPCAddr is the address the gRPC server listens on
	// (HOOKMESH_NORMALIZER_GRPC_ADDR).
	GRPCAddr string
	// GRPCListener, when set, is used instead of listening on GRPCAddr: for
	// tests and a one-process runner that owns its listeners. Run closes it
	// on shutdown.
	GRPCListener net.Listener
	// Sources are the platforms defined in configuration
	// (HOOKMESH_SOURCES_FILE); a name that is not a preset is normalized
	// by its normalize rules.
	Sources []sources.Source
}

// ConfigFromEnv reads the Config from environment variables through lookup
// (os.LookupEnv in production) and reports every problem at once.
func ConfigFromEnv(lookup func(string) (string, bool)) (Config, error) {
	r := env.New(lookup)
	cfg := Config{GRPCAddr: r.String("HOOKMESH_NORMALIZER_GRPC_ADDR", DefaultGRPCAddr)}
	if _, _, err := net.SplitHostPort(cfg.GRPCAddr); err != nil {
		r.Fail("HOOKMESH_NORMALIZER_GRPC_ADDR=%q: want host:port such as :9091", cfg.GRPCAddr)
	}
	path := r.String("HOOKMESH_SOURCES_FILE", "")
	srcs, err := sources.Load(path)
	if err != nil {
		r.Fail("HOOKMESH_SOURCES_FILE=%q: %v", path, err)
	} else if _, err := normalize.New(srcs); err != nil {
		// Rules are checked here so a wrong file fails at start, with
		// every other configuration problem.
		r.Fail("HOOKMESH_SOURCES_FILE=%q: %v", path, err)
	}
	cfg.Sources = srcs
	if err := r.Err(); err != nil {
		return Config{}, fmt.Errorf("normalizer config: %w", err)
	}
	return cfg, nil
}

// Run serves NormalizerService (with gRPC health and reflection) until ctx
// is done, then shuts down gracefully. It returns nil after a shutdown
// caused by ctx and an error if the server cannot listen or stops on its
// own.
func Run(ctx context.Context, cfg Config, log *slog.Logger) error {
	lis := cfg.GRPCListener
	if lis == nil {
		var err error
		if lis, err = net.Listen("tcp", cfg.GRPCAddr); err != nil {
			return fmt.Errorf("normalizer: listen %s: %w", cfg.GRPCAddr, err)
		}
	}
	n, err := normalize.New(cfg.Sources)
	if err != nil {
		lis.Close()
		return fmt.Errorf("normalizer: %w", err)
	}
	srv := grpcserver.New(log)
	normalizerv1.RegisterNormalizerServiceServer(srv.GRPC, server.New(log, n))
	// Health by service name as well as overall, so a probe can ask for
	// this service specifically; Serve flips both to NOT_SERVING on drain.
	srv.Health.SetServingStatus(normalizerv1.NormalizerService_ServiceDesc.ServiceName, healthpb.HealthCheckResponse_SERVING)
	log.Info("normalizer serving", slog.String("grpc_addr", lis.Addr().String()),
		slog.Any("platforms", n.Platforms()))
	if err := srv.Serve(ctx, lis); err != nil {
		return fmt.Errorf("normalizer: %w", err)
	}
	log.Info("normalizer stopped")
	return nil
}
