package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/hookmesh/hookmesh/services/internal/admin"
)

var _ = register(newVersionCmd)

func newVersionCmd(*app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, the commit built and the Go version",
		Long: `Print what the Go toolchain recorded in this binary: the module version, the
commit it was built from (and whether the work tree had changes) and the
Go version. Services export the same as the hookmesh_build_info metric.`,
		Example: "  hookmesh version\n  hookmesh version -o json | jq -r .revision",
		Args:    noArgs,
	}
	out := addOutput(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		return out.write(cmd.OutOrStdout(), admin.BuildInfo(), func(w io.Writer) error {
			_, err := fmt.Fprintf(w, "hookmesh %s\n", versionLine())
			return err
		})
	}
	return cmd
}

// versionLine is the version as one line: "v1.2.0 (abc1234, modified,
// 2026-01-02T03:04:05Z) go1.26.0".
func versionLine() string {
	b := admin.BuildInfo()
	s := b.Version
	if b.Revision != "" {
		rev := b.Revision
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if b.Modified {
			rev += ", modified"
		}
		if b.Time != "" {
			rev += ", " + b.Time
		}
		s += " (" + rev + ")"
	}
	return s + " " + b.GoVersion
}
