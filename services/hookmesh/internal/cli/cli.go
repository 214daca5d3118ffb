// Package cli implements the hookmesh command: run the whole system in one
// process, send signed sample webhooks, and look at and change what the
// ledger holds (events, deliveries, dead letters, subscriptions) through
// its typed gRPC client.
//
// The commands form one cobra tree (root.go). Each top-level command lives
// in its own file and adds itself with register, so a new command is one
// new file. Read commands take --output table|json|yaml (output.go); the
// process exits 0 on success, 1 on a runtime error and 2 on a usage error.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/grpc"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/admin"
	"github.com/hookmesh/hookmesh/services/internal/env"
	"github.com/hookmesh/hookmesh/services/internal/tlsconfig"
	"github.com/hookmesh/hookmesh/services/internal/tracing"
)

// Exit codes of Main.
const (
	exitOK      = 0
	exitRuntime = 1
	exitUsage   = 2
)

// Main runs the command line args (without the program name) and returns
// the process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return execute(ctx, args, stdout, stderr, os.LookupEnv)
}

// execute is Main with the environment read through lookup, so tests can
// point commands at a system of their own.
func execute(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) int {
	a := &app{lookup: lookup}
	root := a.root()
	root.SetArgs(longFlags(root, args))
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	var ue usageErr
	if errors.As(err, &ue) || !a.started {
		// Anything refused before a command ran (unknown command or flag,
		// wrong arguments) is a usage error too.
		fmt.Fprintf(stderr, "hookmesh: %v\n", err)
		if ue.showUsage {
			fmt.Fprintf(stderr, "\n%s", cmd.UsageString())
		} else {
			fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
		}
		return exitUsage
	}
	fmt.Fprintf(stderr, "hookmesh: %v\n", err)
	return exitRuntime
}

// app is what every command shares: the environment and, once a command
// has started running, the fact that it did.
type app struct {
	lookup func(string) (string, bool)
	// started is set when a command's own code starts: an error before
	// that came from parsing the command line.
	started bool
}

// getenv returns key's trimmed value, or def when unset or blank.
func (a *app) getenv(key, def string) string {
	if v, ok := a.lookup(key); ok && strings.TrimSpace(v) != "" {
		return strings.TrimSpace(v)
	}
	return def
}

// usageErr is a mistake in the command line: exit code 2.
type usageErr struct {
	msg string
	// showUsage prints the command's usage after the message (a group
	// named without a subcommand), not just a pointer to --help.
	showUsage bool
}

func (u usageErr) Error() string { return u.msg }

func usageError(format string, args ...any) error { return usageErr{msg: fmt.Sprintf(format, args...)} }

// ledgerClient dials the ledger named by HOOKMESH_LEDGER_TARGET. Its calls
// carry HOOKMESH_ADMIN_TOKEN, when set: the ledger requires it on the
// admin methods the CLI uses (events, deliveries, dead letters,
// subscriptions).
func (a *app) ledgerClient() (ledgerv1.LedgerServiceClient, func(), error) {
	target := a.getenv("HOOKMESH_LEDGER_TARGET", "127.0.0.1:9092")
	// HOOKMESH_TLS_CA_FILE (and, for mTLS, HOOKMESH_TLS_CERT_FILE and
	// HOOKMESH_TLS_KEY_FILE) turn on TLS to the ledger.
	r := env.New(a.lookup)
	tc := tlsconfig.FromEnv(r, tlsconfig.Client)
	if err := r.Err(); err != nil {
		return nil, nil, err
	}
	creds, err := tc.DialOption()
	if err != nil {
		return nil, nil, err
	}
	opts := append([]grpc.DialOption{creds, tracing.DialOption()}, admin.ClientToken(a.getenv(admin.TokenVar, ""))...)
	conn, err := grpc.NewClient(target, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("dial ledger %s: %w", target, err)
	}
	return ledgerv1.NewLedgerServiceClient(conn), func() { conn.Close() }, nil
}

// withLedger runs fn with a ledger client and a context bounded by
// callTimeout, for the commands that make one or a few calls.
func (a *app) withLedger(cmd *cobra.Command, fn func(ctx context.Context, led ledgerv1.LedgerServiceClient) error) error {
	return a.withLedgerTimeout(cmd, callTimeout, fn)
}

// withLedgerTimeout is withLedger with the context bounded by timeout, for
// a call that may take longer (a retention pass).
func (a *app) withLedgerTimeout(cmd *cobra.Command, timeout time.Duration, fn func(ctx context.Context, led ledgerv1.LedgerServiceClient) error) error {
	led, closeFn, err := a.ledgerClient()
	if err != nil {
		return err
	}
	defer closeFn()
	ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
	defer cancel()
	return fn(ctx, led)
}

// callTimeout bounds every RPC the CLI makes.
const callTimeout = 10 * time.Second
