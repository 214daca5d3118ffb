package tlsconfig_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/hookmesh/hookmesh/services/internal/env"
	"github.com/hookmesh/hookmesh/services/internal/grpcserver"
	"github.com/hookmesh/hookmesh/services/internal/tlsconfig"
	"github.com/hookmesh/hookmesh/services/internal/tlsconfig/tlstest"
)

func serve(t *testing.T, cfg tlsconfig.Config) string {
	t.Helper()
	opts, err := cfg.ServerOptions()
	if err != nil {
		t.Fatal(err)
	}
	gs := grpcserver.New(slog.New(slog.NewTextHandler(io.Discard, nil)), opts...)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- gs.Serve(ctx, lis) }()
	t.Cleanup(func() { cancel(); <-done })
	return lis.Addr().String()
}

func check(t *testing.T, target string, cfg tlsconfig.Config) error {
	t.Helper()
	opt, err := cfg.DialOption()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := grpc.NewClient(target, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if err == nil && resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("status = %v", resp.GetStatus())
	}
	return err
}

func TestServerTLS(t *testing.T) {
	t.Parallel()
	f := tlstest.WriteCerts(t)
	target := serve(t, tlsconfig.Config{CertFile: f.ServerCert, KeyFile: f.ServerKey, CAFile: f.CA, NoClientAuth: true})
	if err := check(t, target, tlsconfig.Config{CAFile: f.CA}); err != nil {
		t.Fatalf("TLS client with CA: %v", err)
	}
	if err := check(t, target, tlsconfig.Config{}); err == nil {
		t.Fatal("plaintext client succeeded against a TLS server")
	}
	if err := check(t, target, tlsconfig.Config{CAFile: f.CA, ServerName: "elsewhere"}); err == nil {
		t.Fatal("client verifying another server name succeeded")
	}
}

func TestMutualTLS(t *testing.T) {
	t.Parallel()
	f := tlstest.WriteCerts(t)
	target := serve(t, tlsconfig.Config{CertFile: f.ServerCert, KeyFile: f.ServerKey, CAFile: f.CA})
	if err := check(t, target, tlsconfig.Config{CAFile: f.CA}); err == nil {
		t.Fatal("client without a certificate succeeded under mTLS")
	}
	if err := check(t, target, tlsconfig.Config{CAFile: f.CA, CertFile: f.OtherCert, KeyFile: f.OtherKey}); err == nil {
		t.Fatal("client with a certificate the CA did not sign succeeded")
	}
	if err := check(t, target, tlsconfig.Config{CAFile: f.CA, CertFile: f.ClientCert, KeyFile: f.ClientKey}); err != nil {
		t.Fatalf("client with a CA-signed certificate: %v", err)
	}
	if err := check(t, target, tlsconfig.Config{}); err == nil {
		t.Fatal("plaintext client succeeded")
	}
}

func TestCertificateRotation(t *testing.T) {
	t.Parallel()
	f := tlstest.WriteCerts(t)
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	cp := func(from, to string) {
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// Start with a self-signed certificate clients do not trust, then
	// rotate to the CA-signed one without restarting.
	cp(f.OtherCert, cert)
	cp(f.OtherKey, key)
	target := serve(t, tlsconfig.Config{CertFile: cert, KeyFile: key, CAFile: f.CA, NoClientAuth: true})
	client := tlsconfig.Config{CAFile: f.CA}
	if err := check(t, target, client); err == nil {
		t.Fatal("untrusted server certificate accepted")
	}
	cp(f.ServerCert, cert)
	cp(f.ServerKey, key)
	later := time.Now().Add(time.Minute)
	_ = os.Chtimes(cert, later, later)
	_ = os.Chtimes(key, later, later)
	if err := check(t, target, client); err != nil {
		t.Fatalf("after rotation: %v", err)
	}
}

func lookup(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestFromEnv(t *testing.T) {
	t.Parallel()
	f := tlstest.WriteCerts(t)
	r := env.New(lookup(nil))
	if c := tlsconfig.FromEnv(r, tlsconfig.Service); c.Enabled() || r.Err() != nil {
		t.Fatalf("no variables: %+v, %v", c, r.Err())
	}
	full := map[string]string{tlsconfig.CertFileVar: f.ServerCert, tlsconfig.KeyFileVar: f.ServerKey, tlsconfig.CAFileVar: f.CA}
	r = env.New(lookup(full))
	if c := tlsconfig.FromEnv(r, tlsconfig.Service); !c.Enabled() || c.NoClientAuth || r.Err() != nil {
		t.Fatalf("full: %+v, %v", c, r.Err())
	}
	for _, tc := range []struct {
		name    string
		role    tlsconfig.Role
		vars    map[string]string
		mention string
	}{
		{"cert without key", tlsconfig.Service, map[string]string{tlsconfig.CertFileVar: f.ServerCert, tlsconfig.CAFileVar: f.CA}, tlsconfig.KeyFileVar},
		{"key without cert", tlsconfig.Client, map[string]string{tlsconfig.KeyFileVar: f.ServerKey, tlsconfig.CAFileVar: f.CA}, tlsconfig.CertFileVar},
		{"service without CA", tlsconfig.Service, map[string]string{tlsconfig.CertFileVar: f.ServerCert, tlsconfig.KeyFileVar: f.ServerKey}, tlsconfig.CAFileVar},
		{"client cert without CA", tlsconfig.Client, map[string]string{tlsconfig.CertFileVar: f.ClientCert, tlsconfig.KeyFileVar: f.ClientKey}, tlsconfig.CAFileVar},
		{"missing file", tlsconfig.Client, map[string]string{tlsconfig.CAFileVar: filepath.Join(t.TempDir(), "nope.pem")}, tlsconfig.CAFileVar},
		{"bad client auth", tlsconfig.Service, map[string]string{tlsconfig.ClientAuthVar: "maybe"}, tlsconfig.ClientAuthVar},
	} {
		r := env.New(lookup(tc.vars))
		tlsconfig.FromEnv(r, tc.role)
		if err := r.Err(); err == nil || !strings.Contains(err.Error(), tc.mention) {
			t.Errorf("%s: error %v does not name %s", tc.name, err, tc.mention)
		}
	}
	r = env.New(lookup(map[string]string{tlsconfig.CAFileVar: f.CA, tlsconfig.ClientAuthVar: "none"}))
	if c := tlsconfig.FromEnv(r, tlsconfig.Client); r.Err() != nil || !c.NoClientAuth {
		t.Fatalf("client with CA only: %+v, %v", c, r.Err())
	}
}
