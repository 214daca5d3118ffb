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

var _ = register(newDeliveriesCmd)

func newDeliveriesCmd(a *app) *cobra.Command {
	return group("deliveries", "Show where an event was delivered, with every attempt",
		"  hookmesh deliveries list stripe evt_1OsB9dLkdIwHu7ixk2LmN4pQ", newDeliveriesListCmd(a))
}

func newDeliveriesListCmd(a *app) *cobra.Command {
	var source string
	cmd := &cobra.Command{
		Use:   "list <platform> <event_id>",
		Short: "List an event's deliveries, one per subscription, with their history",
		Example: `  hookmesh deliveries list stripe evt_1OsB9dLkdIwHu7ixk2LmN4pQ
  hookmesh deliveries list github <delivery guid> -o json | jq '.deliveries[] | {subscription, state}'`,
		Args: exactArgs(2),
	}
	out := addOutput(cmd)
	cmd.Flags().StringVar(&source, "source", "", "the source scoping the id, where several share it")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		return a.withLedger(cmd, func(ctx context.Context, led ledgerv1.LedgerServiceClient) error {
			resp, err := led.ListDeliveries(ctx, &ledgerv1.ListDeliveriesRequest{Platform: args[0], EventId: args[1], Source: source})
			if err != nil {
				return fmt.Errorf("list deliveries: %w", err)
			}
			return out.write(cmd.OutOrStdout(), resp, func(w io.Writer) error { return deliveriesTable(w, resp.GetDeliveries()) })
		})
	}
	return cmd
}

// deliveriesTable writes one row per delivery, then one per attempt.
func deliveriesTable(w io.Writer, ds []*ledgerv1.Delivery) error {
	tw := newTable(w)
	fmt.Fprintln(tw, "DELIVERY ID\tSUBSCRIPTION\tSTATE\tATTEMPTS\tNEXT ATTEMPT\tLAST ERROR")
	for _, d := range ds {
		next := "-"
		if d.GetState() == ledgerv1.DeliveryState_DELIVERY_STATE_PENDING {
			next = localTime(d.GetNextAttemptAt())
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", d.GetDeliveryId(), d.GetSubscription(),
			strings.TrimPrefix(d.GetState().String(), "DELIVERY_STATE_"), d.GetAttempts(), next, orDash(truncate(d.GetLastError(), 60)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var rows int
	for _, d := range ds {
		rows += len(d.GetHistory())
	}
	if rows == 0 {
		return nil
	}
	fmt.Fprintln(w, "\nHISTORY")
	tw = newTable(w)
	fmt.Fprintln(tw, "SUBSCRIPTION\tATTEMPT\tAT\tCODE\tCLASS\tDISPATCHER\tERROR")
	for _, d := range ds {
		for _, h := range d.GetHistory() {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", d.GetSubscription(), h.GetAttempt(), localTime(h.GetAt()), h.GetCode(),
				errorClass(h.GetErrorClass()), h.GetDispatcherId(), orDash(truncate(h.GetError(), 60)))
		}
	}
	return tw.Flush()
}

// localTime formats a timestamp for a table, "-" when unset.
func localTime(t *timestamppb.Timestamp) string {
	if t == nil {
		return "-"
	}
	return t.AsTime().Local().Format(time.DateTime)
}

// errorClass names a failure's class for a table; "-" for a success.
func errorClass(c ledgerv1.ErrorClass) string {
	if c == ledgerv1.ErrorClass_ERROR_CLASS_UNSPECIFIED {
		return "-"
	}
	return strings.TrimPrefix(c.String(), "ERROR_CLASS_")
}
