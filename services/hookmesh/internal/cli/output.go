package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"sigs.k8s.io/yaml"
)

// Output formats of --output.
const (
	formatTable = "table"
	formatJSON  = "json"
	formatYAML  = "yaml"
)

// output is a command's --output flag. table is for people; json is one
// JSON document (proto messages in the protobuf JSON mapping with proto
// field names, as the admin REST API answers), for jq; yaml is the same
// document in YAML.
type output struct{ format string }

// addOutput adds --output (-o) to cmd.
func addOutput(cmd *cobra.Command) *output {
	o := &output{}
	cmd.Flags().StringVarP(&o.format, "output", "o", formatTable, "output format: table, json or yaml")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(
		[]cobra.Completion{formatTable, formatJSON, formatYAML}, cobra.ShellCompDirectiveNoFileComp))
	// Checked before the command runs, so a bad format is a usage error
	// and no call is made.
	cmd.PreRunE = func(*cobra.Command, []string) error { return o.check() }
	return o
}

// page holds the paging flags of a list command.
type page struct {
	limit int32
	token string
}

// addPaging adds --limit (default def) and --page-token to cmd.
func addPaging(cmd *cobra.Command, def int32, what string) *page {
	p := &page{}
	cmd.Flags().Int32Var(&p.limit, "limit", def, what+" per page (at most 500)")
	cmd.Flags().StringVar(&p.token, "page-token", "", "the page after the one that printed this token")
	return p
}

// check refuses an unknown format as a usage error, before any call.
func (o *output) check() error {
	switch o.format {
	case formatTable, formatJSON, formatYAML:
		return nil
	}
	return usageError("--output %q: want table, json or yaml", o.format)
}

// table reports whether the output is for people.
func (o *output) table() bool { return o.format == formatTable }

// protoJSON is the JSON of m as the admin REST API writes it: proto field
// names, every field present (so jq paths do not depend on values).
func protoJSON(m proto.Message) (json.RawMessage, error) {
	b, err := protojson.MarshalOptions{UseProtoNames: true, EmitUnpopulated: true}.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", m.ProtoReflect().Descriptor().Name(), err)
	}
	return b, nil
}

// writeDoc writes v, a proto message or a value encoding/json takes, as
// one JSON or YAML document.
func (o *output) writeDoc(w io.Writer, v any) error {
	var b []byte
	var err error
	if m, ok := v.(proto.Message); ok {
		b, err = protoJSON(m)
	} else {
		b, err = json.Marshal(v)
	}
	if err != nil {
		return err
	}
	if o.format == formatYAML {
		y, err := yaml.JSONToYAML(b)
		if err != nil {
			return fmt.Errorf("encode yaml: %w", err)
		}
		_, err = w.Write(y)
		return err
	}
	// Indenting also normalizes protojson's deliberately unstable spacing.
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return fmt.Errorf("encode json: %w", err)
	}
	out.WriteByte('\n')
	_, err = out.WriteTo(w)
	return err
}

// write writes v as a document when the format asks for one, and calls
// table otherwise.
func (o *output) write(w io.Writer, v any, table func(w io.Writer) error) error {
	if o.table() {
		return table(w)
	}
	return o.writeDoc(w, v)
}

// newTable returns the tab writer every table is written with.
func newTable(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 2, 2, ' ', 0) }

// pageHint tells, on stderr and only for tables, the command that fetches
// the next page: this one with the same flags and the page's token. A
// JSON or YAML document carries next_page_token itself.
func (o *output) pageHint(cmd *cobra.Command, next string) {
	if next == "" || !o.table() {
		return
	}
	line := []string{cmd.CommandPath()}
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if f.Name != "page-token" {
			line = append(line, "--"+f.Name+"="+shellQuote(f.Value.String()))
		}
	})
	fmt.Fprintf(cmd.ErrOrStderr(), "more: %s --page-token %s\n", strings.Join(line, " "), next)
}

// shellQuote quotes s for a shell when it holds anything but plain
// characters.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/,=@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// isTerminal reports whether stream (a reader or a writer) is a terminal:
// progress bars are drawn and questions asked only there, never into a
// file or a pipe.
func isTerminal(stream any) bool {
	f, ok := stream.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// orDash stands in for an empty table cell.
func orDash(s string) string {
	if s == "" {
		return "-" // a key known only to the edge (a mailgun file without event id)
	}
	return s
}

// truncate cuts s to n bytes for a table cell.
func truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ") // one line per row
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
