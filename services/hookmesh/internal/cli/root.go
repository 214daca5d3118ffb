package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Command groups of the top-level help.
const (
	groupSystem = "system"
	groupData   = "data"
)

// commands are the constructors of the top-level commands. Each command's
// file adds its own with register, so adding a command is adding a file.
var commands []func(*app) *cobra.Command

// register adds a top-level command; it returns true so that a file can
// call it from a package-level var.
func register(newCmd func(*app) *cobra.Command) bool {
	commands = append(commands, newCmd)
	return true
}

// rootLong is the top-level help's description: the environment every
// command reads.
const rootLong = `hookmesh receives, verifies, stores and delivers webhooks.

"hookmesh run" starts every service in one process; the other commands
send webhooks to it and read or change what its ledger holds.

Environment:
  HOOKMESH_EDGE_URL                edge base URL for send (default http://localhost:8080)
  HOOKMESH_LEDGER_TARGET           ledger gRPC target (default 127.0.0.1:9092)
  HOOKMESH_ADMIN_TOKEN             bearer token of the admin methods, when the system has one
  HOOKMESH_TLS_CA_FILE             TLS to the ledger (with HOOKMESH_TLS_CERT_FILE and
                                   HOOKMESH_TLS_KEY_FILE for mTLS)
  HOOKMESH_SECRET_<PLATFORM>       what send signs with (default: the development secrets)
  HOOKMESH_SIGNING_KEY_<PLATFORM>  the private key send signs discord and sendgrid with
  HOOKMESH_SOURCES_FILE            platforms defined in configuration, which send signs too
Storage of run and demo: DATABASE_URL (PostgreSQL), else an embedded store under
HOOKMESH_DATA_DIR (default ./data).`

// root builds the command tree.
func (a *app) root() *cobra.Command {
	root := &cobra.Command{
		Use:     "hookmesh",
		Short:   "Receive, verify, store and deliver webhooks",
		Long:    rootLong,
		Version: versionLine(),
		Example: `  hookmesh run
  hookmesh send stripe
  hookmesh events list --platform stripe -o json | jq '.events[].event_id'
  hookmesh help send`,
		SilenceErrors: true,
		SilenceUsage:  true,
		RunE:          groupRun,
	}
	root.AddGroup(&cobra.Group{ID: groupSystem, Title: "Run the system:"},
		&cobra.Group{ID: groupData, Title: "Send webhooks and inspect or change what the ledger holds:"})
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageErr{msg: err.Error()} })
	root.SetHelpCommand(helpCommand())
	root.SetVersionTemplate("hookmesh {{.Version}}\n")
	for _, newCmd := range commands {
		root.AddCommand(newCmd(a))
	}
	a.markStart(root)
	return root
}

// markStart has every command note that it started before its own code
// runs, once cobra has accepted its flags and arguments (required flags
// are checked last, after the pre-run hooks): an error before that is a
// usage error.
func (a *app) markStart(c *cobra.Command) {
	if run := c.RunE; run != nil {
		c.RunE = func(c *cobra.Command, args []string) error {
			a.started = true
			return run(c, args)
		}
	}
	for _, sub := range c.Commands() {
		a.markStart(sub)
	}
}

// group returns a command that only holds subcommands: named alone, or
// with an unknown subcommand, it is a usage error showing its usage.
func group(use, short, example string, subs ...*cobra.Command) *cobra.Command {
	c := &cobra.Command{Use: use, Short: short, Example: example, GroupID: groupData, RunE: groupRun}
	c.AddCommand(subs...)
	return c
}

// groupRun is the RunE of commands that only hold subcommands.
func groupRun(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		if !c.HasParent() {
			return usageErr{msg: "name a command", showUsage: true}
		}
		return usageErr{msg: strings.Join(pathArgs(c), " ") + ": name a subcommand", showUsage: true}
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], c.CommandPath())
	if s := c.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf(" (did you mean %q?)", s[0])
	}
	return usageErr{msg: msg, showUsage: true}
}

// helpCommand replaces cobra's help command, which prints the top-level
// help and exits 0 for a topic it does not know.
func helpCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "help [command]",
		Short:   "Help about any command",
		Example: "  hookmesh help send\n  hookmesh help events list",
		RunE: func(c *cobra.Command, args []string) error {
			target, rest, err := c.Root().Find(args)
			if err != nil || (len(rest) > 0 && target.HasSubCommands()) {
				return usageError("unknown help topic %q", strings.Join(args, " "))
			}
			return target.Help()
		},
		ValidArgsFunction: func(c *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			target, _, err := c.Root().Find(args)
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var names []cobra.Completion
			for _, sub := range target.Commands() {
				if sub.IsAvailableCommand() {
					names = append(names, sub.Name())
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
	}
}

// longFlags rewrites the single-dash long flags the CLI accepted before
// it used cobra ("-count 5", "-help") to their double-dash form; a
// single-letter flag ("-o json") and anything after "--" are left alone.
func longFlags(root *cobra.Command, args []string) []string {
	names := map[string]bool{"help": true, "version": true}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.LocalFlags().VisitAll(func(f *pflag.Flag) { names[f.Name] = true })
		c.PersistentFlags().VisitAll(func(f *pflag.Flag) { names[f.Name] = true })
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	out := make([]string, 0, len(args))
	for i, arg := range args {
		if arg == "--" {
			return append(out, args[i:]...)
		}
		name, _, _ := strings.Cut(strings.TrimPrefix(arg, "-"), "=")
		if strings.HasPrefix(arg, "-") && !strings.HasPrefix(arg, "--") && len(name) > 1 && names[name] {
			arg = "-" + arg
		}
		out = append(out, arg)
	}
	return out
}

// exactArgs accepts exactly n positional arguments, and otherwise says
// what the command takes.
func exactArgs(n int) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError("%s takes %d argument(s), got %d: %s", c.CommandPath(), n, len(args), c.UseLine())
		}
		return nil
	}
}

// noArgs refuses positional arguments.
func noArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError("%s takes no arguments, got %q", c.CommandPath(), strings.Join(args, " "))
	}
	return nil
}

// pathArgs is a command's path without the program: "hookmesh events
// list" -> [events list].
func pathArgs(c *cobra.Command) []string { return strings.Fields(c.CommandPath())[1:] }
