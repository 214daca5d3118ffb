package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

var _ = register(newDeadLettersCmd)

func newDeadLettersCmd(a *app) *cobra.Command {
	return group("deadletters", "List dead letters and replay them, one or in bulk",
		`  hookmesh deadletters list --subscription billing
  hookmesh deadletters replay 0b6f3c1e-3c4d-4e7f-9a10-2b3c4d5e6f70
  hookmesh deadletters replay --all --subscription billing`,
		newDeadLettersListCmd(a), newDeadLettersReplayCmd(a))
}

func newDeadLettersListCmd(a *app) *cobra.Command {
	var sub, platform string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List dead letters, newest first, with their last error",
		Example: `  hookmesh deadletters list
  hookmesh deadletters list --platform stripe -o json | jq '.dead_letters[].history'`,
		Args: noArgs,
	}
	out := addOutput(cmd)
	cmd.Flags().StringVar(&sub, "subscription", "", "only this subscription")
	cmd.Flags().StringVar(&platform, "platform", "", "only this platform")
	pg := addPaging(cmd, 100, "dead letters")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		return a.withLedger(cmd, func(ctx context.Context, led ledgerv1.LedgerServiceClient) error {
			resp, err := led.ListDeadLetters(ctx, &ledgerv1.ListDeadLettersRequest{
				Subscription: sub, Platform: platform, PageSize: pg.limit, PageToken: pg.token})
			if err != nil {
				return fmt.Errorf("list dead letters: %w", err)
			}
			err = out.write(cmd.OutOrStdout(), resp, func(w io.Writer) error {
				tw := newTable(w)
				fmt.Fprintln(tw, "ID\tSUBSCRIPTION\tPLATFORM\tEVENT ID\tATTEMPTS\tLAST ERROR")
				for _, d := range resp.GetDeadLetters() {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", d.GetDeliveryId(), d.GetSubscription(), d.GetPlatform(),
						d.GetEventId(), d.GetAttempts(), truncate(d.GetLastError(), 80))
				}
				return tw.Flush()
			})
			if err != nil {
				return err
			}
			out.pageHint(cmd, resp.GetNextPageToken())
			return nil
		})
	}
	return cmd
}

func newDeadLettersReplayCmd(a *app) *cobra.Command {
	var (
		sub, platform string
		all           bool
	)
	cmd := &cobra.Command{
		Use:   "replay <id> | --all",
		Short: "Make dead letters due again, attempt count reset",
		Long: `Replay one dead letter by its delivery id, or with --all every dead letter
matching --subscription and --platform. A bulk replay stops at the count
that matched when it started: a replayed delivery that fails again is a
dead letter again, and is not replayed in a loop.`,
		Example: `  hookmesh deadletters replay 0b6f3c1e-3c4d-4e7f-9a10-2b3c4d5e6f70
  hookmesh deadletters replay --all --subscription billing`,
		Args: func(c *cobra.Command, args []string) error {
			switch {
			case all && len(args) > 0:
				return usageError("%s: --all replays every match; name no dead letter with it", c.CommandPath())
			case !all && len(args) != 1:
				return usageError("%s: name one dead letter (its delivery id) or give --all", c.CommandPath())
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&sub, "subscription", "", "with --all: only this subscription")
	cmd.Flags().StringVar(&platform, "platform", "", "with --all: only this platform")
	cmd.Flags().BoolVar(&all, "all", false, "replay every matching dead letter")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		led, closeFn, err := a.ledgerClient()
		if err != nil {
			return err
		}
		defer closeFn()
		if all {
			return replayAll(cmd.Context(), led, sub, platform, cmd.OutOrStdout(), cmd.ErrOrStderr())
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), callTimeout)
		defer cancel()
		resp, err := led.ReplayDeadLetter(ctx, &ledgerv1.ReplayDeadLetterRequest{Id: args[0]})
		if err != nil {
			return fmt.Errorf("replay %s: %w", args[0], err)
		}
		d := resp.GetDelivery()
		fmt.Fprintf(cmd.OutOrStdout(), "replayed %s (%s %s to %s)\n", d.GetDeliveryId(), d.GetPlatform(), d.GetEventId(), d.GetSubscription())
		return nil
	}
	return cmd
}

// replayAll replays in batches what matched when it started, with a
// progress bar on a terminal. It stops at that count: a replayed delivery
// that fails again becomes a dead letter again and must not be replayed
// in a loop.
func replayAll(ctx context.Context, led ledgerv1.LedgerServiceClient, sub, platform string, stdout, stderr io.Writer) error {
	bar := newProgress(stderr, 0, "replay")
	total := 0
	for ctx.Err() == nil {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		resp, err := led.ReplayDeadLetters(cctx, &ledgerv1.ReplayDeadLettersRequest{Subscription: sub, Platform: platform, Limit: 100})
		cancel()
		if err != nil {
			return fmt.Errorf("replay dead letters: %w", err)
		}
		total += int(resp.GetReplayed())
		if bar.total == 0 {
			bar.total = total + int(resp.GetRemaining())
		}
		bar.set(total)
		if resp.GetReplayed() == 0 || resp.GetRemaining() == 0 || total >= bar.total {
			break
		}
	}
	bar.finish()
	fmt.Fprintf(stdout, "replayed %d dead letters\n", total)
	return ctx.Err()
}
