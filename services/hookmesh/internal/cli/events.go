package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

var _ = register(newEventsCmd)

func newEventsCmd(a *app) *cobra.Command {
	return group("events", "List and show recorded events, and normalize failed ones again",
		`  hookmesh events list --platform stripe --limit 50
  hookmesh events get stripe evt_1OsB9dLkdIwHu7ixk2LmN4pQ -o json | jq -r .body
  hookmesh events renormalize --platform shopify`,
		newEventsListCmd(a), newEventsGetCmd(a), newEventsRenormalizeCmd(a))
}

func newEventsListCmd(a *app) *cobra.Command {
	var platform, typ, sourceType, entity, user string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List events, newest first",
		Long: `List events, newest first. A table shows one page; when there are more,
the command to fetch the next one is printed on stderr.`,
		Example: `  hookmesh events list
  hookmesh events list --platform github --type PULL_REQUEST_OPENED
  hookmesh events list --platform stripe --source-type charge.refunded --entity ch_123
  hookmesh events list --limit 100 --page-token <token from the previous page>
  hookmesh events list -o json | jq -r '.events[] | [.platform, .event_id] | @tsv'`,
		Args: noArgs,
	}
	out := addOutput(cmd)
	cmd.Flags().StringVar(&platform, "platform", "", "only this platform")
	cmd.Flags().StringVar(&typ, "type", "", "only this normalized event type, e.g. PAYMENT_COMPLETED")
	cmd.Flags().StringVar(&sourceType, "source-type", "", "only this platform event type, exactly (e.g. payment_intent.succeeded)")
	cmd.Flags().StringVar(&entity, "entity", "", "only events about this entity id, exactly")
	cmd.Flags().StringVar(&user, "user", "", "only events of this user id, exactly")
	pg := addPaging(cmd, 20, "events")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		req := &ledgerv1.ListEventsRequest{Platform: platform, PageSize: pg.limit, PageToken: pg.token,
			SourceEventType: sourceType, EntityId: entity, UserId: user}
		if typ != "" {
			t, err := eventType(typ)
			if err != nil {
				return err
			}
			req.EventType = t
		}
		return a.withLedger(cmd, func(ctx context.Context, led ledgerv1.LedgerServiceClient) error {
			resp, err := led.ListEvents(ctx, req)
			if err != nil {
				return fmt.Errorf("list events: %w", err)
			}
			if err := out.write(cmd.OutOrStdout(), resp, func(w io.Writer) error { return eventsTable(w, resp.GetEvents()) }); err != nil {
				return err
			}
			out.pageHint(cmd, resp.GetNextPageToken())
			return nil
		})
	}
	return cmd
}

func eventsTable(w io.Writer, events []*ledgerv1.StoredEvent) error {
	tw := newTable(w)
	fmt.Fprintln(tw, "RECEIVED\tPLATFORM\tEVENT ID\tTYPE\tNORMALIZED AS\tAMOUNT\tNOTE")
	for _, e := range events {
		note := ""
		if e.GetNormalizationError() != "" {
			note = "not normalized: " + truncate(e.GetNormalizationError(), 60)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.GetReceivedAt().AsTime().Local().Format(time.DateTime),
			e.GetPlatform(), e.GetEventId(), orDash(e.GetEvent().GetSourceEventType()), normalizedAs(e), money(e.GetEvent().GetAmount()), note)
	}
	return tw.Flush()
}

// normalizedAs is the event's type without its enum prefix, or "-".
func normalizedAs(e *ledgerv1.StoredEvent) string {
	if e.GetEvent() == nil {
		return "-"
	}
	return strings.TrimPrefix(e.GetEvent().GetEventType().String(), "EVENT_TYPE_")
}

// eventType parses PAYMENT_COMPLETED or EVENT_TYPE_PAYMENT_COMPLETED.
func eventType(s string) (eventv1.EventType, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if v, ok := eventv1.EventType_value["EVENT_TYPE_"+strings.TrimPrefix(s, "EVENT_TYPE_")]; ok && v != 0 {
		return eventv1.EventType(v), nil
	}
	var names []string
	for v, n := range eventv1.EventType_name {
		if v != 0 {
			names = append(names, strings.TrimPrefix(n, "EVENT_TYPE_"))
		}
	}
	sort.Strings(names)
	return 0, usageError("unknown event type %q; valid types: %s", s, strings.Join(names, ", "))
}

// eventDoc is `events get` as one JSON document: the stored event and its
// receipt as the admin REST API returns them (receipt.body in base64, as
// the protobuf JSON mapping writes bytes), plus the body as text when it
// is UTF-8, so `jq -r .body` prints what the platform sent.
type eventDoc struct {
	Event   json.RawMessage `json:"event"`
	Receipt json.RawMessage `json:"receipt"`
	Body    *string         `json:"body"`
}

func newEventsGetCmd(a *app) *cobra.Command {
	var source string
	cmd := &cobra.Command{
		Use:   "get <platform> <event_id>",
		Short: "Show one event: normalized, with the raw request that created it",
		Example: `  hookmesh events get stripe evt_1OsB9dLkdIwHu7ixk2LmN4pQ
  hookmesh events get github 6f1c2b1e-0000-4000-8000-000000000001 -o json | jq .event.event`,
		Args: exactArgs(2),
	}
	out := addOutput(cmd)
	cmd.Flags().StringVar(&source, "source", "", "the source scoping the id, where several share it (a Shopify shop domain, a GitHub hook id)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		return a.withLedger(cmd, func(ctx context.Context, led ledgerv1.LedgerServiceClient) error {
			resp, err := led.GetEvent(ctx, &ledgerv1.GetEventRequest{Platform: args[0], EventId: args[1], Source: source})
			if err != nil {
				return fmt.Errorf("get event: %w", err)
			}
			if out.table() {
				return eventView(cmd.OutOrStdout(), resp)
			}
			doc := eventDoc{}
			if doc.Event, err = protoJSON(resp.GetEvent()); err != nil {
				return err
			}
			if doc.Receipt, err = protoJSON(resp.GetReceipt()); err != nil {
				return err
			}
			if body := resp.GetReceipt().GetBody(); utf8.Valid(body) {
				s := string(body)
				doc.Body = &s
			}
			return out.writeDoc(cmd.OutOrStdout(), doc)
		})
	}
	return cmd
}

// eventView is `events get` for people: the event's fields, then the
// request's headers and body.
func eventView(w io.Writer, resp *ledgerv1.GetEventResponse) error {
	e, r := resp.GetEvent(), resp.GetReceipt()
	ev := e.GetEvent()
	tw := newTable(w)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s\t%s\n", k, v)
		}
	}
	row("platform:", e.GetPlatform())
	row("source:", e.GetSource())
	row("event id:", e.GetEventId())
	row("received:", e.GetReceivedAt().AsTime().Local().Format(time.RFC3339))
	row("platform type:", ev.GetSourceEventType())
	row("normalized as:", normalizedAs(e))
	row("not normalized:", e.GetNormalizationError())
	row("entity:", strings.TrimSpace(ev.GetEntityType()+" "+ev.GetEntityId()))
	row("user:", ev.GetUserId())
	row("tenant:", ev.GetTenantId())
	row("amount:", money(ev.GetAmount()))
	if ev.GetOccurredAt() != nil {
		row("occurred:", ev.GetOccurredAt().AsTime().Local().Format(time.RFC3339))
	}
	row("receipt id:", e.GetReceiptId())
	if err := tw.Flush(); err != nil {
		return err
	}
	keys := make([]string, 0, len(r.GetHeaders()))
	for k := range r.GetHeaders() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(w, "\nheaders:\n")
	for _, k := range keys {
		fmt.Fprintf(w, "  %s: %s\n", k, r.GetHeaders()[k])
	}
	body := r.GetBody()
	fmt.Fprintf(w, "\nbody (%d bytes):\n", len(body))
	if !utf8.Valid(body) {
		_, err := fmt.Fprintf(w, "  (not UTF-8: see -o json, receipt.body)\n")
		return err
	}
	_, err := fmt.Fprintf(w, "%s\n", body)
	return err
}

func newEventsRenormalizeCmd(a *app) *cobra.Command {
	var (
		platform, eventID, source string
		limit                     int32
	)
	cmd := &cobra.Command{
		Use:   "renormalize",
		Short: "Normalize again the events that failed normalization (after a normalizer fix)",
		Long: `Schedule the events whose normalization failed for a new attempt; the
dispatchers' re-normalization loop picks them up, stores each event
normalized and delivers it. Events are taken oldest first, in calls of at
most 1000, until none is left or --limit were scheduled. With --event-id,
only that event of --platform.`,
		Example: `  hookmesh events renormalize
  hookmesh events renormalize --platform shopify --limit 100
  hookmesh events renormalize --platform stripe --event-id evt_123`,
		Args: noArgs,
	}
	out := addOutput(cmd)
	cmd.Flags().StringVar(&platform, "platform", "", "only this platform's events")
	cmd.Flags().Int32Var(&limit, "limit", 10000, "schedule at most this many")
	cmd.Flags().StringVar(&eventID, "event-id", "", "only this event (needs --platform)")
	cmd.Flags().StringVar(&source, "source", "", "with --event-id: the source scoping the id")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if limit < 1 {
			return usageError("--limit must be at least 1")
		}
		if eventID != "" && platform == "" || source != "" && eventID == "" {
			return usageError("--event-id needs --platform, and --source needs --event-id")
		}
		led, closeFn, err := a.ledgerClient()
		if err != nil {
			return err
		}
		defer closeFn()
		if eventID != "" {
			ctx, cancel := context.WithTimeout(cmd.Context(), callTimeout)
			defer cancel()
			resp, err := led.RenormalizeEvents(ctx, &ledgerv1.RenormalizeEventsRequest{Platform: platform, EventId: eventID, Source: source})
			if err != nil {
				return fmt.Errorf("renormalize event: %w", err)
			}
			return out.write(cmd.OutOrStdout(), resp, func(w io.Writer) error {
				_, err := fmt.Fprintf(w, "scheduled %d events for re-normalization\n", resp.GetScheduled())
				return err
			})
		}
		// Stop at the first batch that is not full: an event that fails
		// again becomes eligible again, and must not be scheduled in a loop.
		var total int32
		for total < limit {
			batch := min(limit-total, 1000)
			ctx, cancel := context.WithTimeout(cmd.Context(), callTimeout)
			resp, err := led.RenormalizeEvents(ctx, &ledgerv1.RenormalizeEventsRequest{Platform: platform, Limit: batch})
			cancel()
			if err != nil {
				return fmt.Errorf("renormalize events: %w", err)
			}
			total += resp.GetScheduled()
			if resp.GetScheduled() < batch {
				break
			}
		}
		doc := &ledgerv1.RenormalizeEventsResponse{Scheduled: total}
		return out.write(cmd.OutOrStdout(), doc, func(w io.Writer) error {
			_, err := fmt.Fprintf(w, "scheduled %d events for re-normalization\n", total)
			return err
		})
	}
	return cmd
}

func money(m *eventv1.Money) string {
	if m == nil {
		return ""
	}
	return fmt.Sprintf("%d %s (minor units)", m.GetMinorUnits(), m.GetCurrency())
}
