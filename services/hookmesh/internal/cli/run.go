package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/hookmesh/hookmesh/examples/consumer"
	"github.com/hookmesh/hookmesh/services/dispatcher"
	"github.com/hookmesh/hookmesh/services/edge"
	"github.com/hookmesh/hookmesh/services/internal/logging"
	"github.com/hookmesh/hookmesh/services/internal/serve"
	"github.com/hookmesh/hookmesh/services/ledger"
	"github.com/hookmesh/hookmesh/services/normalizer"
)

// defaultSubscriptions routes every event to the example consumer when no
// HOOKMESH_SUBSCRIPTIONS_FILE is given, so a newcomer sees the whole path.
const defaultSubscriptions = `subscriptions:
  - name: example-consumer
    target: %s
    timeout: 10s
`

// Run starts the four services and the example consumer in this process.
// They still talk gRPC over loopback, exactly as when deployed apart.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		return usageError("run takes no arguments; configure it with the environment")
	}
	log, err := logging.New(stderr, os.Getenv("HOOKMESH_LOG_FORMAT"), os.Getenv("HOOKMESH_LOG_LEVEL"))
	if err != nil {
		return err
	}
	lookup := os.LookupEnv
	if !hasSecrets() {
		lookup = withDefault(lookup, "HOOKMESH_DEV_SECRETS", "true")
	}
	consumerAddr := getenv("HOOKMESH_CONSUMER_GRPC_ADDR", "127.0.0.1:9094")
	if _, ok := os.LookupEnv("HOOKMESH_SUBSCRIPTIONS_FILE"); !ok {
		dir, err := os.MkdirTemp("", "hookmesh-run")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		seed := filepath.Join(dir, "subscriptions.yaml")
		if err := os.WriteFile(seed, []byte(fmt.Sprintf(defaultSubscriptions, consumerAddr)), 0o600); err != nil {
			return err
		}
		lookup = withDefault(lookup, "HOOKMESH_SUBSCRIPTIONS_FILE", seed)
	}

	ledgerCfg, err := ledger.ConfigFromEnv(lookup)
	if err != nil {
		return err
	}
	normCfg, err := normalizer.ConfigFromEnv(lookup)
	if err != nil {
		return err
	}
	edgeCfg, err := edge.ConfigFromEnv(lookup)
	if err != nil {
		return err
	}
	dispCfg, err := dispatcher.ConfigFromEnv(lookup)
	if err != nil {
		return err
	}
	consCfg := consumer.Config{
		GRPCAddr:    consumerAddr,
		DatabaseURL: getenv("HOOKMESH_CONSUMER_DATABASE_URL", ledgerCfg.DatabaseURL),
		Schema:      getenv("HOOKMESH_CONSUMER_SCHEMA", "example_consumer"),
	}

	fmt.Fprintf(stdout, `hookmesh is running
  webhooks     POST http://localhost%s/webhooks/{platform}
  admin REST   http://%s/v1/events
  gRPC         edge %s  normalizer %s  ledger %s  dispatcher %s  example consumer %s

Try:  hookmesh send stripe        then  hookmesh events list
`, portOf(edgeCfg.HTTPAddr), edgeCfg.AdminAddr, edgeCfg.GRPCAddr, normCfg.GRPCAddr, ledgerCfg.GRPCAddr, dispCfg.GRPCAddr, consCfg.GRPCAddr)

	return serve.All(ctx,
		func(ctx context.Context) error { return ledger.Run(ctx, ledgerCfg, log.With("service", "ledger")) },
		func(ctx context.Context) error {
			return normalizer.Run(ctx, normCfg, log.With("service", "normalizer"))
		},
		func(ctx context.Context) error { return edge.Run(ctx, edgeCfg, log.With("service", "edge")) },
		func(ctx context.Context) error {
			return dispatcher.Run(ctx, dispCfg, log.With("service", "dispatcher"))
		},
		func(ctx context.Context) error {
			return consumer.Run(ctx, consCfg, log.With("service", "consumer"))
		},
	)
}

func hasSecrets() bool {
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "HOOKMESH_SECRET_") {
			return true
		}
	}
	return false
}

// withDefault returns a lookup that answers def for key when unset.
func withDefault(lookup func(string) (string, bool), key, def string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		if v, ok := lookup(k); ok || k != key {
			return v, ok
		}
		return def, true
	}
}

func portOf(addr string) string {
	if i := strings.LastIndex(addr, ":"); i >= 0 {
		return addr[i:]
	}
	return addr
}
