package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// runCLI runs hookmesh with args, the environment read through lookup,
// and returns what it wrote and its exit code.
func runCLI(t *testing.T, lookup func(string) (string, bool), args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = execute(context.Background(), args, &out, &errOut, lookup)
	return out.String(), errOut.String(), code
}

// sendErr runs `hookmesh send args...` in the process environment; the
// error holds what it wrote on stderr.
func sendErr(t *testing.T, args ...string) error {
	t.Helper()
	if _, errOut, code := runCLI(t, os.LookupEnv, append([]string{"send"}, args...)...); code != 0 {
		return errors.New(errOut)
	}
	return nil
}

// walk calls fn on every command of the tree, the root included.
func walk(c *cobra.Command, fn func(*cobra.Command)) {
	fn(c)
	for _, sub := range c.Commands() {
		walk(sub, fn)
	}
}

// TestHelpEverywhere walks the whole command tree: `<command> --help`,
// `-h` and `hookmesh help <command>` all exit 0 and print the command's
// usage on stdout (its flags with their defaults, and an example where
// the command has one), nothing on stderr.
func TestHelpEverywhere(t *testing.T) {
	t.Parallel()
	root := (&app{lookup: os.LookupEnv}).root()
	// cobra adds these two when it executes; the walk covers them too.
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	n := 0
	walk(root, func(c *cobra.Command) {
		n++
		path := pathArgs(c)
		for _, args := range [][]string{append(slices.Clone(path), "--help"), append(slices.Clone(path), "-h"), append([]string{"help"}, path...)} {
			out, errOut, code := runCLI(t, noEnv, args...)
			if code != 0 || errOut != "" {
				t.Errorf("hookmesh %s: exit %d, stderr %q", strings.Join(args, " "), code, errOut)
				continue
			}
			if !strings.Contains(out, "Usage:") || !strings.Contains(out, c.UseLine()) {
				t.Errorf("hookmesh %s: no usage of %q in\n%s", strings.Join(args, " "), c.UseLine(), out)
			}
			if c.HasAvailableLocalFlags() && !strings.Contains(out, "Flags:") {
				t.Errorf("hookmesh %s: the flags are not listed", strings.Join(args, " "))
			}
			if c.Example != "" && !strings.Contains(out, "Examples:") {
				t.Errorf("hookmesh %s: the example is not shown", strings.Join(args, " "))
			}
		}
		// Every command people run has an example; cobra's completion
		// scripts have their own long help.
		if c.Runnable() && c.Example == "" && !strings.HasPrefix(c.CommandPath(), "hookmesh completion") &&
			c.Name() != "__complete" && c.Name() != "__completeNoDesc" {
			t.Errorf("%s has no example", c.CommandPath())
		}
	})
	if n < 20 {
		t.Errorf("walked %d commands; the tree lost its subcommands", n)
	}
	// Defaults are shown with the flags.
	out, _, _ := runCLI(t, noEnv, "events", "list", "--help")
	if !strings.Contains(out, `--limit int32`) || !strings.Contains(out, "(default 20)") {
		t.Errorf("events list --help shows no default:\n%s", out)
	}
}

// TestExitCodes: 0 ok, 2 for a usage error (unknown command, flag,
// subcommand, missing or extra arguments, bad flag value), 1 for a
// runtime error (nothing listens at the ledger's address).
func TestExitCodes(t *testing.T) {
	t.Parallel()
	unreachable := mapLookup(map[string]string{"HOOKMESH_LEDGER_TARGET": "127.0.0.1:1"})
	for _, c := range []struct {
		args []string
		want int
	}{
		{[]string{"version"}, 0},
		{[]string{"--version"}, 0},
		{[]string{"completion", "bash"}, 0},
		{[]string{"completion", "zsh"}, 0},
		{[]string{"completion", "fish"}, 0},
		{nil, 2},
		{[]string{"nonsense"}, 2},
		{[]string{"events"}, 2},
		{[]string{"events", "lst"}, 2},
		{[]string{"events", "list", "--nope"}, 2},
		{[]string{"events", "list", "--limit", "many"}, 2},
		{[]string{"events", "list", "-o", "xml"}, 2},
		{[]string{"events", "list", "--type", "NOT_A_TYPE"}, 2},
		{[]string{"events", "renormalize", "--event-id", "evt_1"}, 2},
		{[]string{"events", "renormalize", "--platform", "stripe", "--source", "s"}, 2},
		{[]string{"events", "get", "stripe"}, 2},
		{[]string{"deadletters", "replay"}, 2},
		{[]string{"deadletters", "replay", "x", "--all"}, 2},
		{[]string{"subscriptions", "create", "billing"}, 2},                        // --target is required
		{[]string{"subscriptions", "delete", "billing"}, 2},                        // no --yes, stdin not a terminal
		{[]string{"subscriptions", "redeliver", "billing"}, 2},                     // --from is required
		{[]string{"subscriptions", "redeliver", "billing", "--from", "monday"}, 2}, // not a time
		{[]string{"subscriptions", "create", "b", "--target", "x:1", "--payload", "xml"}, 2},
		{[]string{"subscriptions", "create", "b", "--target", "x:1", "--start-from", "soon"}, 2},
		{[]string{"jobs", "get"}, 2},
		{[]string{"ledger"}, 2},
		{[]string{"ledger", "retention", "extra"}, 2},
		{[]string{"ledger", "retention", "--dry-run"}, 1}, // the ledger is unreachable
		{[]string{"help", "nonsense"}, 2},
		{[]string{"run", "extra"}, 2},
		{[]string{"send"}, 2},
		{[]string{"send", "stripe", "--count", "0"}, 2},
		{[]string{"listen", "--forward-to", "ftp://localhost/"}, 2},
		{[]string{"listen", "--from", "yesterday"}, 2},
		{[]string{"listen", "-o", "xml"}, 2},
		{[]string{"listen", "--type", "NOT_A_TYPE"}, 2},
		{[]string{"events", "list"}, 1},
	} {
		_, errOut, code := runCLI(t, unreachable, c.args...)
		if code != c.want {
			t.Errorf("hookmesh %s: exit %d, want %d; stderr %q", strings.Join(c.args, " "), code, c.want, errOut)
		}
		if code != 0 && !strings.HasPrefix(errOut, "hookmesh: ") {
			t.Errorf("hookmesh %s: stderr %q, want it to start with the error", strings.Join(c.args, " "), errOut)
		}
	}
}

// TestUnknownPlatform: a platform send does not know is a usage error
// that lists the valid ones, configured sources included, and suggests
// the near miss.
func TestUnknownPlatform(t *testing.T) {
	t.Parallel()
	_, errOut, code := runCLI(t, noEnv, "send", "stripee")
	if code != 2 || !strings.Contains(errOut, `unknown platform "stripee"`) || !strings.Contains(errOut, `did you mean "stripe"?`) ||
		!strings.Contains(errOut, "github, gitlab") || strings.Contains(errOut, "HOOKMESH_SECRET_STRIPEE") {
		t.Errorf("send stripee: exit %d, stderr %q", code, errOut)
	}
	file := writeSources(t)
	_, errOut, code = runCLI(t, mapLookup(map[string]string{"HOOKMESH_SOURCES_FILE": file}), "send", "acmee")
	if code != 2 || !strings.Contains(errOut, `did you mean "acme"?`) || !strings.Contains(errOut, "HOOKMESH_SOURCES_FILE: acme") {
		t.Errorf("send acmee with a sources file: exit %d, stderr %q", code, errOut)
	}
}

// TestLongFlags: the single-dash long flags of the hand-rolled parser
// still work; a shorthand with its value attached is left alone.
func TestLongFlags(t *testing.T) {
	t.Parallel()
	root := (&app{lookup: noEnv}).root()
	got := longFlags(root, []string{"send", "stripe", "-count", "5", "-edge=http://x", "-ojson", "-o", "--", "-count"})
	want := []string{"send", "stripe", "--count", "5", "--edge=http://x", "-ojson", "-o", "--", "-count"}
	if !slices.Equal(got, want) {
		t.Errorf("longFlags = %q, want %q", got, want)
	}
}

func noEnv(string) (string, bool) { return "", false }
