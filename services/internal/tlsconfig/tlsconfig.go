// Package tlsconfig turns the HOOKMESH_TLS_* variables into gRPC server and
// client credentials, so traffic between hookmesh services can use TLS or
// mutual TLS (mTLS) from certificate files.
//
// The rule, kept simple on purpose:
//
//   - No variable set: plaintext, exactly as before.
//   - A service (it both serves gRPC and dials other services) needs
//     HOOKMESH_TLS_CERT_FILE, HOOKMESH_TLS_KEY_FILE and HOOKMESH_TLS_CA_FILE
//     together: its server presents the certificate, its clients verify
//     servers against the CA and present the same certificate as their
//     client certificate. Any other combination is a start-up error naming
//     the missing variables.
//   - A client-only program (the hookmesh CLI) needs only
//     HOOKMESH_TLS_CA_FILE; with CERT and KEY as well it presents a client
//     certificate.
//   - HOOKMESH_TLS_CLIENT_AUTH is require (the default) or none: with
//     require, servers demand a client certificate signed by the CA (mTLS);
//     none accepts clients without a certificate (server-side TLS only).
//   - HOOKMESH_TLS_SERVER_NAME, when set, is the name clients verify in the
//     server certificate instead of the host of the target.
//
// The certificate and key are re-read when either file's modification time
// or size changes (checked on each handshake), so rotating them needs no
// restart; a failed re-read keeps the previous pair. The CA bundle is read
// once at start: add a new CA to the bundle and restart before issuing
// certificates from it. TLS 1.2 is the minimum; Go negotiates 1.3 whenever
// both sides support it.
package tlsconfig

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/hookmesh/hookmesh/services/internal/env"
)

// Variable names.
const (
	CertFileVar   = "HOOKMESH_TLS_CERT_FILE"
	KeyFileVar    = "HOOKMESH_TLS_KEY_FILE"
	CAFileVar     = "HOOKMESH_TLS_CA_FILE"
	ServerNameVar = "HOOKMESH_TLS_SERVER_NAME"
	ClientAuthVar = "HOOKMESH_TLS_CLIENT_AUTH"
)

// Role says which variables must go together.
type Role int

const (
	// Service serves gRPC and dials: cert, key and CA are all required
	// once any is set.
	Service Role = iota
	// Client only dials: the CA is required once any is set; cert and key
	// are an optional pair.
	Client
)

// Config is the TLS configuration; the zero value means plaintext.
type Config struct {
	CertFile   string
	KeyFile    string
	CAFile     string
	ServerName string
	// NoClientAuth lets servers accept clients without a certificate
	// (HOOKMESH_TLS_CLIENT_AUTH=none).
	NoClientAuth bool
}

// FromEnv reads the HOOKMESH_TLS_* variables through r, recording every
// problem (a missing partner variable, an unreadable or invalid file) on r.
func FromEnv(r *env.Reader, role Role) Config {
	c := Config{
		CertFile:   r.String(CertFileVar, ""),
		KeyFile:    r.String(KeyFileVar, ""),
		CAFile:     r.String(CAFileVar, ""),
		ServerName: r.String(ServerNameVar, ""),
	}
	switch v := strings.ToLower(r.String(ClientAuthVar, "require")); v {
	case "require":
	case "none":
		c.NoClientAuth = true
	default:
		r.Fail("%s=%q: want require or none", ClientAuthVar, v)
	}
	if err := c.Validate(role); err != nil {
		r.Fail("%v", err)
	}
	return c
}

// Enabled reports whether any TLS file is configured.
func (c Config) Enabled() bool { return c.CertFile != "" || c.KeyFile != "" || c.CAFile != "" }

// MutualTLS reports whether a server built from c requires and verifies
// client certificates: the callers are then authenticated by them.
func (c Config) MutualTLS() bool { return c.CertFile != "" && c.CAFile != "" && !c.NoClientAuth }

// Validate checks that the variables go together for role and that the
// files load.
func (c Config) Validate(role Role) error {
	if !c.Enabled() {
		return nil
	}
	var missing []string
	need := func(v, name string) {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if role == Service {
		need(c.CertFile, CertFileVar)
		need(c.KeyFile, KeyFileVar)
		need(c.CAFile, CAFileVar)
	} else {
		need(c.CAFile, CAFileVar)
		if c.CertFile != "" || c.KeyFile != "" {
			need(c.CertFile, CertFileVar)
			need(c.KeyFile, KeyFileVar)
		}
	}
	if len(missing) > 0 {
		set := []string{}
		for _, p := range [][2]string{{c.CertFile, CertFileVar}, {c.KeyFile, KeyFileVar}, {c.CAFile, CAFileVar}} {
			if p[0] != "" {
				set = append(set, p[1])
			}
		}
		return fmt.Errorf("TLS half-configured: %s set but %s missing (set %s, %s and %s together, or none)",
			strings.Join(set, ", "), strings.Join(missing, ", "), CertFileVar, KeyFileVar, CAFileVar)
	}
	var errs []error
	if c.CertFile != "" {
		if _, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q, %s=%q: %w", CertFileVar, c.CertFile, KeyFileVar, c.KeyFile, err))
		}
	}
	if _, err := loadCA(c.CAFile); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func loadCA(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s=%q: %w", CAFileVar, path, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("%s=%q: no PEM certificate found", CAFileVar, path)
	}
	return pool, nil
}

// ServerOptions returns the grpc.Creds option for grpcserver.New, or none
// when no certificate is configured.
func (c Config) ServerOptions() ([]grpc.ServerOption, error) {
	tc, err := c.ServerTLS()
	if err != nil || tc == nil {
		return nil, err
	}
	return []grpc.ServerOption{grpc.Creds(credentials.NewTLS(tc))}, nil
}

// ServerTLS returns the server's tls.Config, or nil without a certificate.
func (c Config) ServerTLS() (*tls.Config, error) {
	if c.CertFile == "" {
		return nil, nil
	}
	kp, err := newKeyPair(c.CertFile, c.KeyFile)
	if err != nil {
		return nil, err
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: kp.getCertificate}
	if c.CAFile != "" && !c.NoClientAuth {
		pool, err := loadCA(c.CAFile)
		if err != nil {
			return nil, err
		}
		tc.ClientCAs = pool
		tc.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return tc, nil
}

// DialOption returns TLS transport credentials when a CA is configured
// (with the client certificate, when one is, for mTLS) and insecure
// credentials otherwise. Handler targets outside the mesh get the same
// credentials, so they must present a certificate the CA verifies.
func (c Config) DialOption() (grpc.DialOption, error) {
	tc, err := c.ClientTLS()
	if err != nil {
		return nil, err
	}
	if tc == nil {
		return grpc.WithTransportCredentials(insecure.NewCredentials()), nil
	}
	return grpc.WithTransportCredentials(credentials.NewTLS(tc)), nil
}

// ClientTLS returns the client's tls.Config, or nil without a CA.
func (c Config) ClientTLS() (*tls.Config, error) {
	if c.CAFile == "" {
		return nil, nil
	}
	pool, err := loadCA(c.CAFile)
	if err != nil {
		return nil, err
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool, ServerName: c.ServerName}
	if c.CertFile != "" {
		kp, err := newKeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, err
		}
		tc.GetClientCertificate = kp.getClientCertificate
	}
	return tc, nil
}

// keyPair is a certificate re-read when its files change.
type keyPair struct {
	certFile, keyFile string

	mu    sync.Mutex
	stamp [2]fileStamp
	cert  *tls.Certificate
}

type fileStamp struct {
	mod  time.Time
	size int64
}

func stampOf(path string) fileStamp {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{mod: fi.ModTime(), size: fi.Size()}
}

func newKeyPair(certFile, keyFile string) (*keyPair, error) {
	kp := &keyPair{certFile: certFile, keyFile: keyFile}
	if _, err := kp.current(); err != nil {
		return nil, err
	}
	return kp, nil
}

// current returns the certificate, re-reading the files when their
// modification time or size changed; a failed re-read keeps the old pair.
func (kp *keyPair) current() (*tls.Certificate, error) {
	kp.mu.Lock()
	defer kp.mu.Unlock()
	st := [2]fileStamp{stampOf(kp.certFile), stampOf(kp.keyFile)}
	if kp.cert != nil && st == kp.stamp {
		return kp.cert, nil
	}
	cert, err := tls.LoadX509KeyPair(kp.certFile, kp.keyFile)
	if err != nil {
		if kp.cert != nil {
			return kp.cert, nil
		}
		return nil, fmt.Errorf("%s=%q, %s=%q: %w", CertFileVar, kp.certFile, KeyFileVar, kp.keyFile, err)
	}
	kp.cert, kp.stamp = &cert, st
	return kp.cert, nil
}

func (kp *keyPair) getCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return kp.current()
}

func (kp *keyPair) getClientCertificate(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
	return kp.current()
}
