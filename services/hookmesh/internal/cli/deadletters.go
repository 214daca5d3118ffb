package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

// DeadLetters lists dead letters or replays them, one or in bulk.
func DeadLetters(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError("deadletters: list or replay")
	}
	led, closeFn, err := ledgerClient()
	if err != nil {
		return err
	}
	defer closeFn()
	fs := flag.NewFlagSet("deadletters "+args[0], flag.ContinueOnError)
	sub := fs.String("subscription", "", "only this subscription")
	platform := fs.String("platform", "", "only this platform")
	all := fs.Bool("all", false, "replay every matching dead letter")
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	switch args[0] {
	case "list":
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		resp, err := led.ListDeadLetters(cctx, &ledgerv1.ListDeadLettersRequest{Subscription: *sub, Platform: *platform, PageSize: 100})
		if err != nil {
			return fmt.Errorf("list dead letters: %w", err)
		}
		tw := tabwriter.NewWriter(stdout, 0, 2, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSUBSCRIPTION\tPLATFORM\tEVENT ID\tATTEMPTS\tLAST ERROR")
		for _, d := range resp.GetDeadLetters() {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", d.GetDeliveryId(), d.GetSubscription(), d.GetPlatform(),
				d.GetEventId(), d.GetAttempts(), truncate(d.GetLastError(), 80))
		}
		return tw.Flush()
	case "replay":
		if *all {
			return replayAll(ctx, led, *sub, *platform, stdout, stderr)
		}
		if len(pos) != 1 {
			return usageError("deadletters replay <id> | --all")
		}
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		resp, err := led.ReplayDeadLetter(cctx, &ledgerv1.ReplayDeadLetterRequest{Id: pos[0]})
		if err != nil {
			return fmt.Errorf("replay %s: %w", pos[0], err)
		}
		fmt.Fprintf(stdout, "replayed %s (%s %s to %s)\n", resp.GetDelivery().GetDeliveryId(),
			resp.GetDelivery().GetPlatform(), resp.GetDelivery().GetEventId(), resp.GetDelivery().GetSubscription())
		return nil
	}
	return usageError("deadletters: unknown subcommand %q", args[0])
}

// replayAll replays in batches what matched when it started, with a
// progress bar. It stops at that count: a replayed delivery that fails
// again becomes a dead letter again and must not be replayed in a loop.
func replayAll(ctx context.Context, led ledgerv1.LedgerServiceClient, sub, platform string, stdout, stderr io.Writer) error {
	bar := &progress{w: stderr, label: "replay"}
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
	if bar.total > 0 {
		bar.finish()
	}
	fmt.Fprintf(stdout, "replayed %d dead letters\n", total)
	return ctx.Err()
}
