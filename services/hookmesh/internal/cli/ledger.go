package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

var _ = register(newLedgerCmd)

func newLedgerCmd(a *app) *cobra.Command {
	return group("ledger", "Maintenance of the ledger's storage: retention",
		"  hookmesh ledger retention --dry-run\n  hookmesh ledger retention",
		newLedgerRetentionCmd(a))
}

func newLedgerRetentionCmd(a *app) *cobra.Command {
	var dryRun bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "retention [--dry-run]",
		Short: "Run a retention pass now with the ledger's policy (--dry-run: show what would go)",
		Long: `Run one retention pass now with the policy the ledger was started with
(HOOKMESH_RETENTION, e.g. "bodies=7d events=90d"), as its periodic runner does,
and print per table the rows and bytes that went: receipts' bodies and
headers past the bodies age, events past the events age with their finished
deliveries and attempt history, and dedup keys past the dedup horizon. Pending
deliveries, dead letters and what they need are never dropped; they are
counted as kept. With --dry-run nothing changes and the table shows what
would go. The ledger refuses (FAILED_PRECONDITION) when it has no policy.`,
		Example: "  hookmesh ledger retention --dry-run\n  hookmesh ledger retention -o json",
		Args:    noArgs,
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "change nothing; show what would go")
	cmd.Flags().DurationVar(&timeout, "timeout", 30*time.Minute, "how long to wait for the pass")
	out := addOutput(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		// A pass on a large store takes longer than the CLI's usual call
		// timeout; it is batched, so one cut short leaves a consistent store.
		return a.withLedgerTimeout(cmd, timeout, func(ctx context.Context, led ledgerv1.LedgerServiceClient) error {
			resp, err := led.ApplyRetention(ctx, &ledgerv1.ApplyRetentionRequest{DryRun: dryRun})
			if err != nil {
				return fmt.Errorf("retention: %w", err)
			}
			return out.write(cmd.OutOrStdout(), resp, func(w io.Writer) error { return writeRetention(w, resp) })
		})
	}
	return cmd
}

// writeRetention prints a pass's report as a table.
func writeRetention(w io.Writer, resp *ledgerv1.ApplyRetentionResponse) error {
	verb := "dropped"
	if resp.GetDryRun() {
		verb = "would drop (dry run)"
	}
	fmt.Fprintf(w, "policy %s: %s\n", resp.GetPolicy(), verb)
	tw := newTable(w)
	fmt.Fprintln(tw, "TABLE\tROWS\tBYTES\tPARTITIONS")
	for _, t := range resp.GetTables() {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", t.GetTable(), t.GetRows(), byteSize(t.GetBytes()), orDash(strings.Join(t.GetPartitions(), ",")))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "kept (unfinished work past the limits): %d\n", resp.GetKept())
	for _, f := range resp.GetExportFiles() {
		fmt.Fprintf(w, "exported: %s\n", f)
	}
	_, err := fmt.Fprintf(w, "took %s\n", resp.GetTook().AsDuration().Round(time.Millisecond))
	return err
}

// byteSize writes n bytes in binary units: 512 B, 1.5 KiB, 20.0 MiB.
func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
