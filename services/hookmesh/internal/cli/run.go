package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hookmesh/hookmesh/examples/consumer"
	"github.com/hookmesh/hookmesh/services/dispatcher"
	"github.com/hookmesh/hookmesh/services/edge"
	"github.com/hookmesh/hookmesh/services/edge/verify"
	"github.com/hookmesh/hookmesh/services/internal/admin"
	"github.com/hookmesh/hookmesh/services/internal/env"
	"github.com/hookmesh/hookmesh/services/internal/host"
	"github.com/hookmesh/hookmesh/services/internal/inproc"
	"github.com/hookmesh/hookmesh/services/internal/logging"
	"github.com/hookmesh/hookmesh/services/internal/meshauth"
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

// system is the configuration of every service of one process.
type system struct {
	ledger     ledger.Config
	normalizer normalizer.Config
	edge       edge.Config
	dispatcher dispatcher.Config
	consumer   consumer.Config
	// seedDir holds the generated subscriptions file; removed by cleanup.
	seedDir string
	// inProcess is true when the edge and the dispatcher call the ledger
	// and the normalizer in memory (HOOKMESH_IN_PROCESS, default true).
	inProcess bool
}

// loadSystem reads every service's configuration through lookup. With no
// secrets configured it enables the development secrets, and with no
// subscriptions file it subscribes the example consumer to everything.
func loadSystem(lookup func(string) (string, bool)) (*system, error) {
	if !hasSecrets(lookup) {
		lookup = withDefault(lookup, "HOOKMESH_DEV_SECRETS", "true")
	}
	s := &system{}
	var err error
	if s.ledger, err = ledger.ConfigFromEnv(lookup); err != nil {
		return nil, err
	}
	if s.normalizer, err = normalizer.ConfigFromEnv(lookup); err != nil {
		return nil, err
	}
	if s.edge, err = edge.ConfigFromEnv(lookup); err != nil {
		return nil, err
	}
	if s.dispatcher, err = dispatcher.ConfigFromEnv(lookup); err != nil {
		return nil, err
	}
	// One process, one registry: every service's metrics on every admin
	// listener, so `curl localhost:8081/metrics` shows the whole system.
	// Deployed apart, each service serves its own.
	reg := admin.NewRegistry()
	s.edge.Registry, s.normalizer.Registry, s.ledger.Registry, s.dispatcher.Registry = reg, reg, reg, reg
	r := env.New(lookup)
	if r.Bool(inProcessVar, true) {
		s.routeInProcess(inproc.NewMetrics(reg))
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	s.consumer = consumer.Config{
		GRPCAddr:    lookupOr(lookup, "HOOKMESH_CONSUMER_GRPC_ADDR", "127.0.0.1:9094"),
		DatabaseURL: lookupOr(lookup, "HOOKMESH_CONSUMER_DATABASE_URL", s.ledger.DatabaseURL),
		Schema:      lookupOr(lookup, "HOOKMESH_CONSUMER_SCHEMA", "example_consumer"),
	}
	if s.consumer.DatabaseURL == "" {
		// The embedded ledger has no server to share: the consumer keeps
		// its own SQLite file beside the ledger's.
		dir := lookupOr(lookup, "HOOKMESH_DATA_DIR", "data")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("data dir: %w", err)
		}
		s.consumer.DatabaseURL = "sqlite:" + filepath.Join(dir, "consumer.db")
	}
	return s, nil
}

// inProcessVar set to false sends the services' calls to each other over
// loopback gRPC, as before the in-memory route: to compare the two, or to
// rule the route out when chasing a problem.
const inProcessVar = "HOOKMESH_IN_PROCESS"

// routeInProcess has the edge and the dispatcher call the ledger and the
// normalizer through in-memory channels (package inproc) instead of
// loopback gRPC: no marshalling, HTTP/2 framing or syscalls per call. The
// ledger and the normalizer serve their channel behind the same
// interceptors as their gRPC port, which stays open (grpcurl, the CLI);
// the edge and the dispatcher send their role tokens in memory as over the
// wire. Deliveries to handlers (the example consumer included) stay gRPC:
// handlers are other programs. A caller that could prove its role only by
// a client certificate (mTLS without its token) keeps dialling, since in
// memory there is no certificate to show.
func (s *system) routeInProcess(m *inproc.Metrics) {
	s.inProcess = true
	led, norm := inproc.NewChannel("ledger", m), inproc.NewChannel("normalizer", m)
	s.ledger.InProcess, s.normalizer.InProcess = led, norm
	if inMemoryAuth(s.edge.Auth, meshauth.RoleEdge) {
		s.edge.LedgerConn, s.edge.NormalizerConn = led, norm
	}
	if inMemoryAuth(s.dispatcher.Auth, meshauth.RoleDispatcher) {
		s.dispatcher.LedgerConn = led
		if s.dispatcher.NormalizerTarget != "" { // empty turns the renormalizer off
			s.dispatcher.NormalizerConn = norm
		}
	}
}

// inMemoryAuth reports whether a caller of role can be authenticated in
// memory: by its token, or because calls are not authenticated at all.
func inMemoryAuth(c meshauth.Config, role meshauth.Role) bool { return !c.MTLS || c.Tokens[role] != "" }

// seed writes the default subscriptions file unless one is configured; it
// must run after the consumer's address is final.
func (s *system) seed() error {
	if s.ledger.SubscriptionsFile != "" {
		return nil
	}
	dir, err := os.MkdirTemp("", "hookmesh-run")
	if err != nil {
		return err
	}
	s.seedDir = dir
	target := s.consumer.GRPCAddr
	if s.consumer.GRPCListener != nil {
		target = s.consumer.GRPCListener.Addr().String()
	}
	s.ledger.SubscriptionsFile = filepath.Join(dir, "subscriptions.yaml")
	return os.WriteFile(s.ledger.SubscriptionsFile, []byte(fmt.Sprintf(defaultSubscriptions, target)), 0o600)
}

// run serves every service until ctx is done. They call each other in
// memory (routeInProcess) unless HOOKMESH_IN_PROCESS=false, and over
// loopback gRPC then, exactly as when deployed apart.
func (s *system) run(ctx context.Context, log *slog.Logger) error {
	h := host.New(log)
	defer h.Close()
	if err := s.seed(); err != nil {
		return err
	}
	h.OnClose(func() {
		if s.seedDir != "" {
			os.RemoveAll(s.seedDir)
		}
	})
	h.Go(func(ctx context.Context) error { return ledger.Run(ctx, s.ledger, log.With("service", "ledger")) })
	h.Go(func(ctx context.Context) error {
		return normalizer.Run(ctx, s.normalizer, log.With("service", "normalizer"))
	})
	h.Go(func(ctx context.Context) error { return edge.Run(ctx, s.edge, log.With("service", "edge")) })
	h.Go(func(ctx context.Context) error {
		return dispatcher.Run(ctx, s.dispatcher, log.With("service", "dispatcher"))
	})
	h.Go(func(ctx context.Context) error { return consumer.Run(ctx, s.consumer, log.With("service", "consumer")) })
	return h.Run(ctx)
}

var _ = register(newRunCmd)

func newRunCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "run",
		Short: "Start every service and the example consumer in this process",
		Long: `Start the edge, the normalizer, the ledger, the dispatcher and the example
consumer in this process, until interrupted. Configure it with the
environment (or HOOKMESH_CONFIG, a YAML file of the same variables): with no
DATABASE_URL the data is kept in an embedded store under HOOKMESH_DATA_DIR
(default ./data); with no secrets configured the development secrets are
used; with no HOOKMESH_SUBSCRIPTIONS_FILE every event goes to the example
consumer. Every port and variable: README.md, "Ports and configuration".`,
		Example: `  hookmesh run
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/hookmesh hookmesh run
  HOOKMESH_IN_PROCESS=false hookmesh run    # services call each other over gRPC`,
		GroupID: groupSystem,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError("run takes no arguments; configure it with the environment")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return run(cmd.Context(), a.lookup, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
}

// run starts the four services and the example consumer in this process.
func run(ctx context.Context, lookup func(string) (string, bool), stdout, stderr io.Writer) error {
	lookup, err := env.WithConfigFile(lookup)
	if err != nil {
		return err
	}
	log, closeProcess, err := startProcess(ctx, lookup, stderr, "")
	if err != nil {
		return err
	}
	defer closeProcess()
	s, err := loadSystem(lookup)
	if err != nil {
		return err
	}
	storage := "embedded SQLite in " + lookupOr(lookup, "HOOKMESH_DATA_DIR", "./data")
	if s.ledger.DatabaseURL != "" {
		storage = "PostgreSQL (DATABASE_URL)"
	}
	fmt.Fprintf(stdout, `hookmesh is running — storage: %s
  webhooks     POST http://localhost%s/webhooks/{platform}
  admin REST   http://%s/v1/events
  metrics      edge http://%[3]s/metrics  normalizer http://%s/metrics  ledger http://%s/metrics  dispatcher http://%s/metrics
  gRPC         edge %s  normalizer %s  ledger %s  dispatcher %s  example consumer %s
  in process   %s

Try:  hookmesh send stripe        then  hookmesh events list
`, storage, portOf(s.edge.HTTPAddr), s.edge.AdminAddr, s.normalizer.AdminAddr, s.ledger.AdminAddr, s.dispatcher.AdminAddr,
		s.edge.GRPCAddr, s.normalizer.GRPCAddr, s.ledger.GRPCAddr, s.dispatcher.GRPCAddr, s.consumer.GRPCAddr, s.routeLine())
	return s.run(ctx, log)
}

// routeLine says how the services call each other, for the banner.
func (s *system) routeLine() string {
	if !s.inProcess {
		return "off (" + inProcessVar + "=false): the services call each other over gRPC"
	}
	return "edge and dispatcher call ledger and normalizer in memory (hookmesh_inprocess_calls_total); handlers over gRPC"
}

func hasSecrets(lookup func(string) (string, bool)) bool {
	for _, p := range verify.Platforms() {
		for _, k := range []string{"HOOKMESH_SECRET_" + strings.ToUpper(p), "HOOKMESH_SECRET_" + strings.ToUpper(p) + "_FILE"} {
			if v, ok := lookup(k); ok && strings.TrimSpace(v) != "" {
				return true
			}
		}
	}
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "HOOKMESH_SECRET_") {
			if v, ok := lookup(k); ok && strings.TrimSpace(v) != "" {
				return true
			}
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

func lookupOr(lookup func(string) (string, bool), key, def string) string {
	if v, ok := lookup(key); ok && strings.TrimSpace(v) != "" {
		return strings.TrimSpace(v)
	}
	return def
}

func portOf(addr string) string {
	if i := strings.LastIndex(addr, ":"); i >= 0 {
		return addr[i:]
	}
	return addr
}

// listenLoopback puts every listener of s on a free loopback port and
// points the targets at them, so that the system runs beside another
// (demo, tests). It returns the edge's base URL.
func (s *system) listenLoopback() (string, error) {
	var lis [10]net.Listener
	for i := range lis {
		var err error
		if lis[i], err = loopback(); err != nil {
			for _, l := range lis[:i] {
				l.Close()
			}
			return "", err
		}
	}
	s.edge.HTTPListener, s.edge.AdminListener, s.edge.GRPCListener = lis[0], lis[1], lis[2]
	s.normalizer.GRPCListener, s.ledger.GRPCListener = lis[3], lis[4]
	s.dispatcher.GRPCListener, s.consumer.GRPCListener = lis[5], lis[6]
	s.normalizer.AdminListener, s.ledger.AdminListener, s.dispatcher.AdminListener = lis[7], lis[8], lis[9]
	s.edge.NormalizerTarget = lis[3].Addr().String()
	s.edge.LedgerTarget = lis[4].Addr().String()
	s.dispatcher.LedgerTarget = lis[4].Addr().String()
	if s.dispatcher.NormalizerTarget != "" {
		s.dispatcher.NormalizerTarget = lis[3].Addr().String()
	}
	return "http://" + lis[0].Addr().String(), nil
}

// loopback returns a listener on a free loopback port.
func loopback() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }

// startProcess sets up what one process of services shares: the logger
// (defaultLevel when HOOKMESH_LOG_LEVEL is unset) and one tracer provider.
// The returned func flushes the spans, for at most 5 s past ctx.
func startProcess(ctx context.Context, lookup func(string) (string, bool), stderr io.Writer, defaultLevel string) (*slog.Logger, func(), error) {
	log, err := logging.New(stderr, lookupOr(lookup, "HOOKMESH_LOG_FORMAT", ""), lookupOr(lookup, "HOOKMESH_LOG_LEVEL", defaultLevel))
	if err != nil {
		return nil, nil, err
	}
	flush, err := host.Tracing(ctx, "all", lookup, log)
	if err != nil {
		return nil, nil, err
	}
	return log, flush, nil
}
