// Package hosttest helps the services' tests check the promise every Run
// built on package host makes: the listeners it was handed are closed
// when it returns, even after a failed start.
package hosttest

import (
	"errors"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/tlsconfig"
)

// Loopback returns a listener on a free loopback port, closed at the end
// of the test if nothing else closed it.
func Loopback(t testing.TB) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// RequireClosed fails the test for every listener in ls that still
// accepts: Accept on a closed listener fails at once with net.ErrClosed;
// the deadline only bounds a failing check.
func RequireClosed(t testing.TB, ls ...net.Listener) {
	t.Helper()
	for i, l := range ls {
		if tl, ok := l.(*net.TCPListener); ok {
			_ = tl.SetDeadline(time.Now().Add(10 * time.Second))
		}
		if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
			t.Errorf("listener %d (%s) not closed: %v", i, l.Addr(), err)
		}
	}
}

// MissingTLS is a TLS configuration naming files that do not exist: a
// start-up that reads it fails.
func MissingTLS(t testing.TB) tlsconfig.Config {
	missing := filepath.Join(t.TempDir(), "missing.pem")
	return tlsconfig.Config{CertFile: missing, KeyFile: missing, CAFile: missing}
}

// FailedStartCloses calls run with n fresh loopback listeners and
// MissingTLS; run starts a service with them, which must fail, and every
// listener must be closed when it returns.
func FailedStartCloses(t *testing.T, n int, run func(given []net.Listener, tls tlsconfig.Config) error) {
	t.Helper()
	given := make([]net.Listener, n)
	for i := range given {
		given[i] = Loopback(t)
	}
	if err := run(given, MissingTLS(t)); err == nil {
		t.Fatal("start with missing TLS files succeeded")
	}
	RequireClosed(t, given...)
}
