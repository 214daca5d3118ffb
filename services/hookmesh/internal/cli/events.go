package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

// Events lists events or shows one.
func Events(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError("events: list or get")
	}
	led, closeFn, err := ledgerClient()
	if err != nil {
		return err
	}
	defer closeFn()
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	switch args[0] {
	case "list":
		fs := flag.NewFlagSet("events list", flag.ContinueOnError)
		platform := fs.String("platform", "", "only this platform")
		typ := fs.String("type", "", "only this event type, e.g. PAYMENT_COMPLETED")
		limit := fs.Int("limit", 20, "number of events")
		if _, err := parse(fs, args[1:]); err != nil {
			return err
		}
		req := &ledgerv1.ListEventsRequest{Platform: *platform, PageSize: int32(*limit)}
		if *typ != "" {
			v, ok := eventv1.EventType_value[*typ]
			if !ok {
				v, ok = eventv1.EventType_value["EVENT_TYPE_"+*typ]
			}
			if !ok {
				return usageError("events list: unknown event type %q", *typ)
			}
			req.EventType = eventv1.EventType(v)
		}
		resp, err := led.ListEvents(ctx, req)
		if err != nil {
			return fmt.Errorf("list events: %w", err)
		}
		tw := tabwriter.NewWriter(stdout, 0, 2, 2, ' ', 0)
		fmt.Fprintln(tw, "RECEIVED\tPLATFORM\tEVENT ID\tTYPE\tNORMALIZED AS\tAMOUNT\tNOTE")
		for _, e := range resp.GetEvents() {
			note := ""
			if e.GetNormalizationError() != "" {
				note = "not normalized: " + truncate(e.GetNormalizationError(), 60)
			}
			normalized := "-"
			if e.GetEvent() != nil {
				normalized = strings.TrimPrefix(e.GetEvent().GetEventType().String(), "EVENT_TYPE_")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.GetReceivedAt().AsTime().Local().Format(time.DateTime),
				e.GetPlatform(), e.GetEventId(), orDash(e.GetEvent().GetSourceEventType()), normalized, money(e.GetEvent().GetAmount()), note)
		}
		return tw.Flush()
	case "get":
		if len(args) != 3 {
			return usageError("events get <platform> <event_id>")
		}
		resp, err := led.GetEvent(ctx, &ledgerv1.GetEventRequest{Platform: args[1], EventId: args[2]})
		if err != nil {
			return fmt.Errorf("get event: %w", err)
		}
		b, err := protojson.MarshalOptions{Multiline: true, UseProtoNames: true}.Marshal(resp.GetEvent())
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\n--- raw body (%d bytes) ---\n%s\n", b, len(resp.GetReceipt().GetBody()), resp.GetReceipt().GetBody())
		return nil
	}
	return usageError("events: unknown subcommand %q", args[0])
}

func money(m *eventv1.Money) string {
	if m == nil {
		return ""
	}
	return fmt.Sprintf("%d %s (minor units)", m.GetMinorUnits(), m.GetCurrency())
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
