package deploy

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"reflect"
	"strings"

	"github.com/hookmesh/hookmesh/services/dispatcher"
	"github.com/hookmesh/hookmesh/services/edge"
	"github.com/hookmesh/hookmesh/services/ledger"
	"github.com/hookmesh/hookmesh/services/normalizer"
)

// Component is a service binary the manifests run, named as its container.
type Component struct {
	Name string
	// Config reads the configuration through lookup exactly as the binary
	// does (its ConfigFromEnv).
	Config func(lookup func(string) (string, bool)) (any, error)
	// Run serves cfg until ctx is done; the check starts it to see that the
	// HTTP probe paths are served.
	Run func(ctx context.Context, cfg any, log *slog.Logger) error
	// Offline are environment overrides for such a run: nothing outside
	// the test process is reached (no database, targets that refuse).
	Offline map[string]string
	// Validate, when set, checks what ConfigFromEnv leaves to start-up
	// (the ledger parses its subscriptions file in Run); cfg is offline.
	Validate func(cfg any) error
}

// unreachable is a gRPC target that refuses at once.
const unreachable = "passthrough:///127.0.0.1:1"

// Components are the four services of deploy/.
func Components() map[string]Component {
	return map[string]Component{
		"edge": {
			Name:   "edge",
			Config: func(l func(string) (string, bool)) (any, error) { return edge.ConfigFromEnv(l) },
			Run: func(ctx context.Context, cfg any, log *slog.Logger) error {
				return edge.Run(ctx, cfg.(edge.Config), log)
			},
			Offline: map[string]string{"HOOKMESH_NORMALIZER_TARGET": unreachable, "HOOKMESH_LEDGER_TARGET": unreachable, "REDIS_URL": ""},
		},
		"normalizer": {
			Name:   "normalizer",
			Config: func(l func(string) (string, bool)) (any, error) { return normalizer.ConfigFromEnv(l) },
			Run: func(ctx context.Context, cfg any, log *slog.Logger) error {
				return normalizer.Run(ctx, cfg.(normalizer.Config), log)
			},
		},
		"ledger": {
			Name:   "ledger",
			Config: func(l func(string) (string, bool)) (any, error) { return ledger.ConfigFromEnv(l) },
			Run: func(ctx context.Context, cfg any, log *slog.Logger) error {
				return ledger.Run(ctx, cfg.(ledger.Config), log)
			},
			// The embedded store in a temporary directory (HOOKMESH_DATA_DIR is
			// set by the check).
			Offline: map[string]string{"DATABASE_URL": ""},
			// Run parses the subscriptions file before anything starts; with
			// a context already done it then stops at once.
			Validate: func(cfg any) error {
				c := cfg.(ledger.Config)
				lis, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					return err
				}
				c.GRPCListener = lis
				// No admin listener: its default port may be taken by a
				// system running beside the tests.
				c.AdminAddr, c.AdminListener = "", nil
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return ledger.Run(ctx, c, discard)
			},
		},
		"dispatcher": {
			Name:   "dispatcher",
			Config: func(l func(string) (string, bool)) (any, error) { return dispatcher.ConfigFromEnv(l) },
			Run: func(ctx context.Context, cfg any, log *slog.Logger) error {
				return dispatcher.Run(ctx, cfg.(dispatcher.Config), log)
			},
			Offline: map[string]string{"HOOKMESH_LEDGER_TARGET": unreachable},
		},
	}
}

// SharedEnv are read by every binary outside ConfigFromEnv: the shared
// main (services/internal/command) reads the log settings. TestSharedEnvIsRead keeps the list honest.
var SharedEnv = []string{"HOOKMESH_LOG_FORMAT", "HOOKMESH_LOG_LEVEL"}

// RuntimeEnv are read by the Go runtime itself.
var RuntimeEnv = []string{"GOMEMLIMIT", "GOMAXPROCS", "GOGC", "GODEBUG", "GOTRACEBACK"}

// Listener is a listen address of a configuration: a string field named
// <X>Addr. Its port is expected under the name lower(<X>) ("http",
// "admin", "grpc"), and a gRPC listener is one whose name contains GRPC.
type Listener struct {
	Field    string // "HTTPAddr"
	PortName string // "http"
	Host     string
	Port     int
	GRPC     bool
	// Exposed is true for an address reachable from outside the pod (no
	// host, 0.0.0.0, ::); a loopback listener needs no container port.
	Exposed bool
}

// Listeners returns the listen addresses of cfg (nested structs too).
func Listeners(cfg any) ([]Listener, error) {
	var out []Listener
	var walk func(v reflect.Value) error
	walk = func(v reflect.Value) error {
		t := v.Type()
		for i := range t.NumField() {
			f, fv := t.Field(i), v.Field(i)
			if !f.IsExported() {
				continue
			}
			switch {
			case f.Type.Kind() == reflect.Struct:
				if err := walk(fv); err != nil {
					return err
				}
			case f.Type.Kind() == reflect.String && strings.HasSuffix(f.Name, "Addr") && f.Name != "Addr":
				addr := fv.String()
				if addr == "" {
					continue // no such listener (the edge's admin listener can be off)
				}
				host, port, err := net.SplitHostPort(addr)
				if err != nil {
					return fmt.Errorf("%s=%q: %v", f.Name, addr, err)
				}
				var n int
				if _, err := fmt.Sscan(port, &n); err != nil {
					return fmt.Errorf("%s=%q: port is not a number", f.Name, addr)
				}
				prefix := strings.TrimSuffix(f.Name, "Addr")
				out = append(out, Listener{
					Field: f.Name, PortName: strings.ToLower(prefix), Host: host, Port: n,
					GRPC:    strings.Contains(prefix, "GRPC"),
					Exposed: host == "" || host == "0.0.0.0" || host == "::" || host == "[::]",
				})
			}
		}
		return nil
	}
	v := reflect.ValueOf(cfg)
	if v.Kind() != reflect.Struct {
		return nil, fmt.Errorf("config %T is not a struct", cfg)
	}
	return out, walk(v)
}

// withListeners returns a copy of cfg whose <X>Listener fields hold
// listeners on free loopback ports, and the address of each by
// configured port number.
func withListeners(cfg any) (any, map[int]string, func(), error) {
	v := reflect.New(reflect.TypeOf(cfg)).Elem()
	v.Set(reflect.ValueOf(cfg))
	ls, err := Listeners(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	addrs := map[int]string{}
	var opened []net.Listener
	closeAll := func() {
		for _, l := range opened {
			l.Close()
		}
	}
	lisType := reflect.TypeFor[net.Listener]()
	for _, l := range ls {
		f := v.FieldByName(strings.TrimSuffix(l.Field, "Addr") + "Listener")
		if !f.IsValid() || f.Type() != lisType {
			continue
		}
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			closeAll()
			return nil, nil, nil, err
		}
		opened = append(opened, lis)
		f.Set(reflect.ValueOf(lis))
		addrs[l.Port] = lis.Addr().String()
	}
	return v.Interface(), addrs, closeAll, nil
}

// durationField returns a time.Duration field of cfg by name.
func durationField(cfg any, name string) (float64, bool) {
	v := reflect.ValueOf(cfg)
	if v.Kind() != reflect.Struct {
		return 0, false
	}
	f := v.FieldByName(name)
	if !f.IsValid() || f.Type().String() != "time.Duration" {
		return 0, false
	}
	return float64(f.Int()) / 1e9, true
}

// discard is a logger for the services started by the check.
var discard = slog.New(slog.NewTextHandler(io.Discard, nil))
