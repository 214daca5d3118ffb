// Command consumer runs the example downstream handler. Environment:
// HOOKMESH_CONSUMER_GRPC_ADDR (default 127.0.0.1:9094),
// HOOKMESH_CONSUMER_DATABASE_URL (default DATABASE_URL),
// HOOKMESH_CONSUMER_SCHEMA (default example_consumer), and, in a mesh that
// uses mTLS, HOOKMESH_TLS_CERT_FILE, HOOKMESH_TLS_KEY_FILE and
// HOOKMESH_TLS_CA_FILE: the consumer then serves TLS and accepts only
// clients (the dispatcher) whose certificate the CA signed.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/hookmesh/hookmesh/examples/consumer"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := consumer.Config{
		GRPCAddr:    getenv("HOOKMESH_CONSUMER_GRPC_ADDR", "127.0.0.1:9094"),
		DatabaseURL: getenv("HOOKMESH_CONSUMER_DATABASE_URL", os.Getenv("DATABASE_URL")),
		Schema:      getenv("HOOKMESH_CONSUMER_SCHEMA", "example_consumer"),
	}
	if cfg.DatabaseURL == "" {
		fmt.Fprintln(os.Stderr, "consumer: set HOOKMESH_CONSUMER_DATABASE_URL or DATABASE_URL")
		os.Exit(2)
	}
	creds, err := serverTLS(os.Getenv("HOOKMESH_TLS_CERT_FILE"), os.Getenv("HOOKMESH_TLS_KEY_FILE"), os.Getenv("HOOKMESH_TLS_CA_FILE"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "consumer:", err)
		os.Exit(2)
	}
	if creds != nil {
		cfg.ServerOptions = append(cfg.ServerOptions, grpc.Creds(creds))
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("service", "consumer")
	if err := consumer.Run(ctx, cfg, log); err != nil {
		fmt.Fprintln(os.Stderr, "consumer:", err)
		os.Exit(1)
	}
}

// serverTLS returns mTLS server credentials from the three files, nil when
// none is set.
func serverTLS(certFile, keyFile, caFile string) (credentials.TransportCredentials, error) {
	if certFile == "" && keyFile == "" && caFile == "" {
		return nil, nil
	}
	if certFile == "" || keyFile == "" || caFile == "" {
		return nil, errors.New("set HOOKMESH_TLS_CERT_FILE, HOOKMESH_TLS_KEY_FILE and HOOKMESH_TLS_CA_FILE together, or none")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("TLS key pair: %w", err)
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("TLS CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("TLS CA %s: no PEM certificate", caFile)
	}
	return credentials.NewTLS(&tls.Config{
		MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert},
		ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert,
	}), nil
}

func getenv(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
