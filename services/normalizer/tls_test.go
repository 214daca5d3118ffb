package normalizer

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/hookmesh/hookmesh/services/internal/tlsconfig"
	"github.com/hookmesh/hookmesh/services/internal/tlsconfig/tlstest"
)

// TestRunMutualTLS runs the normalizer from TLS environment variables and
// checks that only a client with a CA-signed certificate gets through.
func TestRunMutualTLS(t *testing.T) {
	t.Parallel()
	f := tlstest.WriteCerts(t)
	cfg, err := ConfigFromEnv(envLookup(map[string]string{
		tlsconfig.CertFileVar: f.ServerCert, tlsconfig.KeyFileVar: f.ServerKey, tlsconfig.CAFileVar: f.CA,
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.GRPCListener, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	cfg.AdminAddr = ""
	target := cfg.GRPCListener.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	check := func(c tlsconfig.Config) error {
		opt, err := c.DialOption()
		if err != nil {
			t.Fatal(err)
		}
		conn, err := grpc.NewClient(target, opt)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer ccancel()
		_, err = healthpb.NewHealthClient(conn).Check(cctx, &healthpb.HealthCheckRequest{})
		return err
	}
	if err := check(tlsconfig.Config{CAFile: f.CA, CertFile: f.ClientCert, KeyFile: f.ClientKey}); err != nil {
		t.Fatalf("mTLS client: %v", err)
	}
	if err := check(tlsconfig.Config{CAFile: f.CA}); err == nil {
		t.Error("client without a certificate got through")
	}
	if err := check(tlsconfig.Config{}); err == nil {
		t.Error("plaintext client got through")
	}
}

func TestConfigFromEnvHalfTLS(t *testing.T) {
	t.Parallel()
	f := tlstest.WriteCerts(t)
	_, err := ConfigFromEnv(envLookup(map[string]string{tlsconfig.CertFileVar: f.ServerCert, tlsconfig.CAFileVar: f.CA}))
	if err == nil || !strings.Contains(err.Error(), tlsconfig.KeyFileVar) {
		t.Fatalf("error %v does not name %s", err, tlsconfig.KeyFileVar)
	}
}

func envLookup(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}
