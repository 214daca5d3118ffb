package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/types/known/timestamppb"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

var _ = register(newJobsCmd)

// jobPoll is how often --wait asks for a job's progress.
const jobPoll = 500 * time.Millisecond

func newJobsCmd(a *app) *cobra.Command {
	return group("jobs", "Background jobs of the ledger (redeliveries, backfills): list, get, cancel",
		`  hookmesh jobs list
  hookmesh jobs get 0193a6a4-3c1e-7d2e-9f0a-5b6c7d8e9f01 --wait
  hookmesh jobs cancel 0193a6a4-3c1e-7d2e-9f0a-5b6c7d8e9f01`,
		newJobsListCmd(a), newJobsGetCmd(a), newJobsCancelCmd(a))
}

func newJobsListCmd(a *app) *cobra.Command {
	var sub string
	var limit int32
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List background jobs, newest first",
		Example: "  hookmesh jobs list\n  hookmesh jobs list --subscription billing -o json",
		Args:    noArgs,
	}
	cmd.Flags().StringVar(&sub, "subscription", "", "only this subscription's jobs")
	cmd.Flags().Int32Var(&limit, "limit", 0, "at most this many (0: the ledger's default, 100)")
	out := addOutput(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		return a.withLedger(cmd, func(ctx context.Context, led ledgerv1.LedgerServiceClient) error {
			resp, err := led.ListJobs(ctx, &ledgerv1.ListJobsRequest{Subscription: sub, Limit: limit})
			if err != nil {
				return fmt.Errorf("list jobs: %w", err)
			}
			return out.write(cmd.OutOrStdout(), resp, func(w io.Writer) error {
				tw := newTable(w)
				fmt.Fprintln(tw, "JOB\tKIND\tSUBSCRIPTION\tSTATE\tSCANNED\tCREATED\tTOTAL\tCREATED AT")
				for _, j := range resp.GetJobs() {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\n", j.GetJobId(), jobKind(j), j.GetSubscription(), jobState(j),
						j.GetEventsScanned(), j.GetDeliveriesCreated(), j.GetTotalEstimate(), localTime(j.GetCreatedAt()))
				}
				return tw.Flush()
			})
		})
	}
	return cmd
}

func newJobsGetCmd(a *app) *cobra.Command {
	var wait bool
	cmd := &cobra.Command{
		Use:     "get <job-id>",
		Short:   "Show a job's progress (--wait: until it ends)",
		Example: "  hookmesh jobs get 0193a6a4-3c1e-7d2e-9f0a-5b6c7d8e9f01 --wait",
		Args:    exactArgs(1),
	}
	cmd.Flags().BoolVar(&wait, "wait", false, "follow the job's progress until it ends")
	out := addOutput(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		return a.withLedger(cmd, func(ctx context.Context, led ledgerv1.LedgerServiceClient) error {
			resp, err := led.GetJob(ctx, &ledgerv1.GetJobRequest{JobId: args[0]})
			if err != nil {
				return fmt.Errorf("get job %s: %w", args[0], err)
			}
			return showJob(ctx, cmd, led, out, resp.GetJob(), wait)
		})
	}
	return cmd
}

func newJobsCancelCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "cancel <job-id>",
		Short:   "Stop a running job; the deliveries it made stay",
		Example: "  hookmesh jobs cancel 0193a6a4-3c1e-7d2e-9f0a-5b6c7d8e9f01",
		Args:    exactArgs(1),
	}
	out := addOutput(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		return a.withLedger(cmd, func(ctx context.Context, led ledgerv1.LedgerServiceClient) error {
			resp, err := led.CancelJob(ctx, &ledgerv1.CancelJobRequest{JobId: args[0]})
			if err != nil {
				return fmt.Errorf("cancel job %s: %w", args[0], err)
			}
			return writeJob(cmd, out, resp.GetJob())
		})
	}
	return cmd
}

// newSubscriptionsRedeliverCmd is `subscriptions redeliver`.
func newSubscriptionsRedeliverCmd(a *app) *cobra.Command {
	var from, to, filter string
	var wait bool
	cmd := &cobra.Command{
		Use:   "redeliver <name> --from TIME [--to TIME] [--filter CEL] [--wait]",
		Short: "Deliver a time range of stored events again (a background job)",
		Long: `Deliver again, to one subscription, the stored events received from --from
(inclusive) to --to (exclusive; default now) that its platforms, event types and
filter select, and --filter if given (the language of subscription filters).
Each event gets a NEW delivery (a new delivery id, the handler's idempotency
key), linked to the previous one. The ledger does this as a background job, in
batches, without holding back live deliveries; the command prints the job, or
with --wait follows it until it ends. TIME is RFC 3339 (2026-12-01T09:00:00Z)
or a duration ago (90m, 48h).`,
		Example: `  hookmesh subscriptions redeliver billing --from 2026-12-01T09:00:00Z --to 2026-12-01T12:00:00Z
  hookmesh subscriptions redeliver billing --from 48h --filter 'source_type == "invoice.paid"' --wait`,
		Args: exactArgs(1),
	}
	fs := cmd.Flags()
	fs.StringVar(&from, "from", "", "start of the range of receipt times (required)")
	fs.StringVar(&to, "to", "", "end of the range (default: now)")
	fs.StringVar(&filter, "filter", "", "CEL expression the events must also match")
	fs.BoolVar(&wait, "wait", false, "follow the job's progress until it ends")
	_ = cmd.MarkFlagRequired("from")
	out := addOutput(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		now := time.Now()
		req := &ledgerv1.RedeliverSubscriptionRequest{Name: args[0], Filter: filter}
		t, err := parseWhen(from, now)
		if err != nil {
			return usageError("--from: %v", err)
		}
		req.From = timestamppb.New(t)
		if to != "" {
			if t, err = parseWhen(to, now); err != nil {
				return usageError("--to: %v", err)
			}
			req.To = timestamppb.New(t)
		}
		return a.withLedger(cmd, func(ctx context.Context, led ledgerv1.LedgerServiceClient) error {
			resp, err := led.RedeliverSubscription(ctx, req)
			if err != nil {
				return fmt.Errorf("redeliver subscription %s: %w", args[0], err)
			}
			return showJob(ctx, cmd, led, out, resp.GetJob(), wait)
		})
	}
	return cmd
}

// parseWhen reads a time: RFC 3339, or a duration before now.
func parseWhen(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q: want RFC 3339 (2026-12-01T09:00:00Z) or a duration ago (90m, 48h)", s)
}

// showJob writes a job, after following it until it ends when wait.
func showJob(ctx context.Context, cmd *cobra.Command, led ledgerv1.LedgerServiceClient, out *output, j *ledgerv1.Job, wait bool) error {
	if wait {
		var err error
		if j, err = waitJob(ctx, cmd, led, j); err != nil {
			return err
		}
	}
	return writeJob(cmd, out, j)
}

// waitJob polls a job until it ends, drawing its progress on a terminal
// (stderr, so -o json stays clean) and returns it as it ended.
func waitJob(ctx context.Context, cmd *cobra.Command, led ledgerv1.LedgerServiceClient, j *ledgerv1.Job) (*ledgerv1.Job, error) {
	bar := newProgress(cmd.ErrOrStderr(), int(j.GetTotalEstimate()), "scanned")
	defer bar.finish()
	t := time.NewTicker(jobPoll)
	defer t.Stop()
	for j.GetState() == ledgerv1.JobState_JOB_STATE_RUNNING {
		bar.set(int(min(j.GetEventsScanned(), j.GetTotalEstimate())))
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for job %s: %w", j.GetJobId(), ctx.Err())
		case <-t.C:
		}
		resp, err := led.GetJob(ctx, &ledgerv1.GetJobRequest{JobId: j.GetJobId()})
		if err != nil {
			return nil, fmt.Errorf("wait for job %s: %w", j.GetJobId(), err)
		}
		j = resp.GetJob()
	}
	bar.set(int(min(j.GetEventsScanned(), j.GetTotalEstimate())))
	return j, nil
}

// writeJob writes one job: a document, or one line per field.
func writeJob(cmd *cobra.Command, out *output, j *ledgerv1.Job) error {
	return out.write(cmd.OutOrStdout(), j, func(w io.Writer) error {
		tw := newTable(w)
		fmt.Fprintf(tw, "job:\t%s\n", j.GetJobId())
		fmt.Fprintf(tw, "kind:\t%s\n", jobKind(j))
		fmt.Fprintf(tw, "subscription:\t%s\n", j.GetSubscription())
		fmt.Fprintf(tw, "range:\t%s .. %s\n", localTime(j.GetFrom()), localTime(j.GetTo()))
		fmt.Fprintf(tw, "filter:\t%s\n", orDash(j.GetFilter()))
		fmt.Fprintf(tw, "state:\t%s\n", jobState(j))
		fmt.Fprintf(tw, "events scanned:\t%d of about %d\n", j.GetEventsScanned(), j.GetTotalEstimate())
		fmt.Fprintf(tw, "deliveries created:\t%d\n", j.GetDeliveriesCreated())
		if j.GetError() != "" {
			fmt.Fprintf(tw, "error:\t%s\n", j.GetError())
		}
		fmt.Fprintf(tw, "created:\t%s\n", localTime(j.GetCreatedAt()))
		fmt.Fprintf(tw, "updated:\t%s\n", localTime(j.GetUpdatedAt()))
		return tw.Flush()
	})
}

func jobKind(j *ledgerv1.Job) string {
	return strings.ToLower(strings.TrimPrefix(j.GetKind().String(), "JOB_KIND_"))
}

func jobState(j *ledgerv1.Job) string {
	return strings.ToLower(strings.TrimPrefix(j.GetState().String(), "JOB_STATE_"))
}
