// Package cli implements the hookmesh command: run the whole system in one
// process, send signed sample webhooks, and look at events and dead letters
// through the typed gRPC clients.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/admin"
	"github.com/hookmesh/hookmesh/services/internal/env"
	"github.com/hookmesh/hookmesh/services/internal/tlsconfig"
	"github.com/hookmesh/hookmesh/services/internal/tracing"
)

// usage is the top-level help.
const usage = `hookmesh — receive, verify, store and deliver webhooks

Usage:
  hookmesh run                                   start every service and the example consumer
  hookmesh demo                                  start it all on free ports, send one webhook per
                                                 platform, show each normalized and delivered, stop
  hookmesh send <platform> [--type T] [--file F] [--count N]
                                                 send signed sample webhooks to the edge
  hookmesh events list [--platform P] [--type T] [--limit N]
  hookmesh events get <platform> <event_id>
  hookmesh deadletters list [--subscription S] [--platform P]
  hookmesh deadletters replay <id> | --all [--subscription S] [--platform P]

Environment: HOOKMESH_EDGE_URL (default http://localhost:8080), HOOKMESH_LEDGER_TARGET
(default 127.0.0.1:9092), HOOKMESH_SECRET_<PLATFORM> (default: the development secrets),
HOOKMESH_SIGNING_KEY_<PLATFORM> (the private key send signs discord and sendgrid with).
Storage: DATABASE_URL (PostgreSQL), else an embedded store under HOOKMESH_DATA_DIR (default ./data).
`

// Main runs the command line args (without the program name) and returns
// the process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "run":
		err = Run(ctx, args[1:], stdout, stderr)
	case "demo":
		err = Demo(ctx, args[1:], stdout, stderr)
	case "send":
		err = Send(ctx, args[1:], stdout, stderr)
	case "events":
		err = Events(ctx, args[1:], stdout)
	case "deadletters":
		err = DeadLetters(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		err = usageError("unknown command %q", args[0])
	}
	var ue usageErr
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "hookmesh: %v\n\n%s", err, usage)
		return 2
	default:
		fmt.Fprintf(stderr, "hookmesh: %v\n", err)
		return 1
	}
}

type usageErr struct{ msg string }

func (u usageErr) Error() string { return u.msg }

func usageError(format string, args ...any) error { return usageErr{fmt.Sprintf(format, args...)} }

// parse parses flags that may come before or after positional arguments
// (hookmesh send stripe --count 5), and returns the positionals.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usageError("%s: %v", fs.Name(), err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func getenv(key, def string) string {
	if v := strings.TrimSpace(os.Getenv(key)); v != "" {
		return v
	}
	return def
}

// ledgerClient dials the ledger named by HOOKMESH_LEDGER_TARGET. Its calls
// carry HOOKMESH_ADMIN_TOKEN, when set: the ledger requires it on the
// admin methods the CLI uses (events, dead letters).
func ledgerClient() (ledgerv1.LedgerServiceClient, func(), error) {
	target := getenv("HOOKMESH_LEDGER_TARGET", "127.0.0.1:9092")
	// HOOKMESH_TLS_CA_FILE (and, for mTLS, HOOKMESH_TLS_CERT_FILE and
	// HOOKMESH_TLS_KEY_FILE) turn on TLS to the ledger.
	r := env.New(nil)
	tc := tlsconfig.FromEnv(r, tlsconfig.Client)
	if err := r.Err(); err != nil {
		return nil, nil, err
	}
	creds, err := tc.DialOption()
	if err != nil {
		return nil, nil, err
	}
	opts := append([]grpc.DialOption{creds, tracing.DialOption()}, admin.ClientToken(getenv(admin.TokenVar, ""))...)
	conn, err := grpc.NewClient(target, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("dial ledger %s: %w", target, err)
	}
	return ledgerv1.NewLedgerServiceClient(conn), func() { conn.Close() }, nil
}

// callTimeout bounds every RPC the CLI makes.
const callTimeout = 10 * time.Second
