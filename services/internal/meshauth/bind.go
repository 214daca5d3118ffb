package meshauth

import (
	"fmt"
	"log/slog"
	"net"
)

// CheckListener refuses a gRPC listener beyond loopback when calls are not
// authenticated: nothing listens on the network unauthenticated unless the
// operator says so (InsecureVar), and then the log says it loudly. addrVar
// names the variable that chose the address, for the error. On refusal
// the caller closes lis.
func CheckListener(lis net.Listener, addrVar string, c Config, log *slog.Logger) error {
	if c.Enabled() || isLoopback(lis.Addr()) {
		return nil
	}
	if c.Insecure {
		log.Warn("INSECURE: gRPC listens beyond loopback with no internal authentication: anyone who reaches it can record events and claim deliveries",
			slog.String("addr", lis.Addr().String()), slog.String("because", InsecureVar+"=true"))
		return nil
	}
	return fmt.Errorf("%s=%s is not a loopback address and internal calls are not authenticated: set %s and %s (tokens), "+
		"or HOOKMESH_TLS_CERT_FILE, HOOKMESH_TLS_KEY_FILE and HOOKMESH_TLS_CA_FILE (mTLS), or, on a closed network only, %s=true",
		addrVar, lis.Addr(), TokenVar(RoleEdge), TokenVar(RoleDispatcher), InsecureVar)
}

// isLoopback reports whether a listener's address is a loopback one. A
// listener on all interfaces (0.0.0.0, ::) is not.
func isLoopback(a net.Addr) bool {
	switch a := a.(type) {
	case *net.TCPAddr:
		return a.IP.IsLoopback()
	case *net.UnixAddr:
		return true // a socket file: reachable only on this machine
	}
	if a.Network() == "bufconn" {
		return true // in memory, in this process (tests)
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
