package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

var _ = register(newSubscriptionsCmd)

func newSubscriptionsCmd(a *app) *cobra.Command {
	return group("subscriptions", "Route events to handlers: list, create, change, pause, resume, delete",
		`  hookmesh subscriptions create billing --target billing.internal:9000 --platform stripe --event-type PAYMENT_COMPLETED
  hookmesh subscriptions pause billing
  hookmesh subscriptions list -o json | jq -r '.subscriptions[].name'`,
		newSubscriptionsListCmd(a), newSubscriptionsGetCmd(a), newSubscriptionWriteCmd(a, true), newSubscriptionWriteCmd(a, false),
		newSubscriptionPauseCmd(a, true), newSubscriptionPauseCmd(a, false), newSubscriptionsDeleteCmd(a),
		newSubscriptionsTestFilterCmd(a), newSubscriptionsRedeliverCmd(a))
}

func newSubscriptionsListCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List every subscription, by name",
		Example: "  hookmesh subscriptions list\n  hookmesh subscriptions list -o yaml",
		Args:    noArgs,
	}
	out := addOutput(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		return a.withLedger(cmd, func(ctx context.Context, led ledgerv1.LedgerServiceClient) error {
			resp, err := led.ListSubscriptions(ctx, &ledgerv1.ListSubscriptionsRequest{})
			if err != nil {
				return fmt.Errorf("list subscriptions: %w", err)
			}
			return out.write(cmd.OutOrStdout(), resp, func(w io.Writer) error {
				tw := newTable(w)
				fmt.Fprintln(tw, "NAME\tTARGET\tPLATFORMS\tEVENT TYPES\tTIMEOUT\tMAX CONCURRENCY\tSTATE")
				for _, s := range resp.GetSubscriptions() {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", s.GetName(), s.GetTarget(), allOr(s.GetPlatforms()),
						allOr(typeNames(s.GetEventTypes())), s.GetTimeout().AsDuration(), s.GetMaxConcurrency(), state(s))
				}
				return tw.Flush()
			})
		})
	}
	return cmd
}

func newSubscriptionsGetCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "get <name>",
		Short:   "Show one subscription with its retry policy",
		Example: "  hookmesh subscriptions get billing\n  hookmesh subscriptions get billing -o json | jq .retry_policy",
		Args:    exactArgs(1),
	}
	out := addOutput(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		return a.withLedger(cmd, func(ctx context.Context, led ledgerv1.LedgerServiceClient) error {
			resp, err := led.GetSubscription(ctx, &ledgerv1.GetSubscriptionRequest{Name: args[0]})
			if err != nil {
				return fmt.Errorf("get subscription %s: %w", args[0], err)
			}
			return writeSubscription(cmd, out, resp.GetSubscription())
		})
	}
	return cmd
}

// writeSubscription writes one subscription: a document, or for people
// one setting per line.
func writeSubscription(cmd *cobra.Command, out *output, s *ledgerv1.Subscription) error {
	return out.write(cmd.OutOrStdout(), s, func(w io.Writer) error {
		tw := newTable(w)
		fmt.Fprintf(tw, "name:\t%s\n", s.GetName())
		fmt.Fprintf(tw, "target:\t%s\n", s.GetTarget())
		fmt.Fprintf(tw, "platforms:\t%s\n", allOr(s.GetPlatforms()))
		fmt.Fprintf(tw, "event types:\t%s\n", allOr(typeNames(s.GetEventTypes())))
		fmt.Fprintf(tw, "filter:\t%s\n", orDash(s.GetFilter()))
		if s.GetStartFrom() != nil {
			fmt.Fprintf(tw, "start from:\t%s (backfill: hookmesh jobs list --subscription %s)\n", localTime(s.GetStartFrom()), s.GetName())
		}
		if s.GetPayload() != ledgerv1.PayloadFormat_PAYLOAD_FORMAT_UNSPECIFIED {
			fmt.Fprintf(tw, "payload:\t%s\n", strings.ToLower(strings.TrimPrefix(s.GetPayload().String(), "PAYLOAD_FORMAT_")))
		}
		for _, sec := range s.GetSecrets() {
			fmt.Fprintf(tw, "secret:\t%s (created %s)\n", sec.GetId(), localTime(sec.GetCreatedAt()))
		}
		fmt.Fprintf(tw, "rate:\t%s\n", rateText(s.GetRate()))
		fmt.Fprintf(tw, "ordering key:\t%s\n", orDash(s.GetOrderingKey()))
		fmt.Fprintf(tw, "timeout:\t%s\n", s.GetTimeout().AsDuration())
		fmt.Fprintf(tw, "max concurrency:\t%d\n", s.GetMaxConcurrency())
		fmt.Fprintf(tw, "state:\t%s\n", state(s))
		rp := s.GetRetryPolicy()
		for _, c := range []struct {
			name string
			p    *ledgerv1.ClassPolicy
		}{{"network", rp.GetNetwork()}, {"throttled", rp.GetThrottled()}, {"downstream", rp.GetDownstream()}} {
			fmt.Fprintf(tw, "retry %s:\t%s\n", c.name, classPolicy(c.p))
		}
		fmt.Fprintf(tw, "created:\t%s\n", localTime(s.GetCreatedAt()))
		fmt.Fprintf(tw, "updated:\t%s\n", localTime(s.GetUpdatedAt()))
		return tw.Flush()
	})
}

// subscriptionFlags are the settings create and update take.
type subscriptionFlags struct {
	target                                string
	platforms, eventTypes                 []string
	timeout                               time.Duration
	maxConcurrency                        int32
	paused                                bool
	retryNetwork, retryThrottled, retryDS string
	filter, rate, orderingKey             string
	startFrom                             string
	secrets, removeSecrets                []string
	payload                               string
}

func (f *subscriptionFlags) add(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&f.target, "target", "", `the handler's gRPC address ("host:port", "dns:///host:port")`)
	fs.StringSliceVar(&f.platforms, "platform", nil, "only events of these platforms (repeat or comma-separate; none: all)")
	fs.StringSliceVar(&f.eventTypes, "event-type", nil, "only events of these normalized types, e.g. PAYMENT_COMPLETED (none: all)")
	fs.DurationVar(&f.timeout, "timeout", 0, "deadline of each HandleEvent call (0: the ledger's default, 30s)")
	fs.Int32Var(&f.maxConcurrency, "max-concurrency", 0, "deliveries in flight across all dispatchers (0: the ledger's default, 128)")
	fs.BoolVar(&f.paused, "paused", false, "create or keep it paused: deliveries wait")
	fs.StringArrayVar(&f.secrets, "secret", nil, "a signing secret of an HTTP target (repeat; on update, added to the kept ones: rotate by adding the new one, then --remove-secret the old)")
	fs.StringArrayVar(&f.removeSecrets, "remove-secret", nil, "on update, remove the secret with this id (see get -o json: secrets[].id)")
	fs.StringVar(&f.payload, "payload", "", "what an HTTP target receives: normalized (the event as JSON, the default) or raw (the body as received)")
	fs.StringVar(&f.filter, "filter", "", `CEL expression an event must match, e.g. 'source_type == "invoice.paid"' ("": every event; see docs/operations.md, Subscriptions)`)
	fs.StringVar(&f.rate, "rate", "", `deliveries per second across all dispatchers, per_second[:burst], e.g. 20 or 20:40 (burst 0 or none: ceil(per_second); "": no rate)`)
	fs.StringVar(&f.orderingKey, "ordering-key", "", `CEL string expression: deliveries with the same key go one at a time, in receipt order, e.g. 'event.entity_id' ("": unordered)`)
	const retry = "retry policy of the %s class: max_attempts=N,delay=D,max_delay=D (unset parts: the defaults)"
	fs.StringVar(&f.retryNetwork, "retry-network", "", fmt.Sprintf(retry, "network (UNAVAILABLE, DEADLINE_EXCEEDED)"))
	fs.StringVar(&f.retryThrottled, "retry-throttled", "", fmt.Sprintf(retry, "throttled (RESOURCE_EXHAUSTED)"))
	fs.StringVar(&f.retryDS, "retry-downstream", "", fmt.Sprintf(retry, "downstream (INTERNAL, UNKNOWN, ABORTED, DATA_LOSS)"))
}

// apply sets on s the settings whose flags were given.
func (f *subscriptionFlags) apply(cmd *cobra.Command, s *ledgerv1.Subscription) error {
	changed := cmd.Flags().Changed
	if changed("target") {
		s.Target = f.target
	}
	if changed("platform") {
		s.Platforms = nonEmpty(f.platforms)
	}
	if changed("event-type") {
		s.EventTypes = nil
		for _, name := range nonEmpty(f.eventTypes) {
			t, err := eventType(name)
			if err != nil {
				return err
			}
			s.EventTypes = append(s.EventTypes, t)
		}
	}
	if changed("timeout") {
		s.Timeout = durationpb.New(f.timeout)
	}
	if changed("max-concurrency") {
		s.MaxConcurrency = f.maxConcurrency
	}
	if changed("paused") {
		s.Paused = f.paused
	}
	if changed("filter") {
		s.Filter = f.filter
	}
	if changed("start-from") {
		t, err := parseWhen(f.startFrom, time.Now())
		if err != nil {
			return usageError("--start-from: %v", err)
		}
		s.StartFrom = timestamppb.New(t)
	}
	if changed("payload") {
		v, ok := ledgerv1.PayloadFormat_value["PAYLOAD_FORMAT_"+strings.ToUpper(f.payload)]
		if !ok || v == 0 {
			return usageError("--payload %q: want normalized or raw", f.payload)
		}
		s.Payload = ledgerv1.PayloadFormat(v)
	}
	if changed("remove-secret") {
		var kept []*ledgerv1.SigningSecret
		for _, sec := range s.GetSecrets() {
			if !slices.Contains(f.removeSecrets, sec.GetId()) {
				kept = append(kept, sec)
			}
		}
		s.Secrets = kept
	}
	for _, v := range f.secrets {
		s.Secrets = append(s.Secrets, &ledgerv1.SigningSecret{Secret: v})
	}
	if changed("rate") {
		r, err := parseRate(f.rate)
		if err != nil {
			return usageError("--rate: %v", err)
		}
		s.Rate = r
	}
	if changed("ordering-key") {
		s.OrderingKey = f.orderingKey
	}
	for _, c := range []struct {
		flag, value string
		set         func(*ledgerv1.RetryPolicy, *ledgerv1.ClassPolicy)
	}{
		{"retry-network", f.retryNetwork, func(p *ledgerv1.RetryPolicy, c *ledgerv1.ClassPolicy) { p.Network = c }},
		{"retry-throttled", f.retryThrottled, func(p *ledgerv1.RetryPolicy, c *ledgerv1.ClassPolicy) { p.Throttled = c }},
		{"retry-downstream", f.retryDS, func(p *ledgerv1.RetryPolicy, c *ledgerv1.ClassPolicy) { p.Downstream = c }},
	} {
		if !changed(c.flag) {
			continue
		}
		p, err := parseClassPolicy(c.value)
		if err != nil {
			return usageError("--%s: %v", c.flag, err)
		}
		if s.RetryPolicy == nil {
			s.RetryPolicy = &ledgerv1.RetryPolicy{}
		}
		c.set(s.RetryPolicy, p)
	}
	return nil
}

// newSubscriptionWriteCmd is `subscriptions create` or, with create
// false, `subscriptions update`, which changes only the settings given.
func newSubscriptionWriteCmd(a *app, create bool) *cobra.Command {
	var f subscriptionFlags
	cmd := &cobra.Command{
		Use:   "create <name> --target host:port",
		Short: "Create a subscription",
		Long: `Create a subscription: events matching its platforms and event types are
delivered to its target, a gRPC EventHandlerService (see docs/handlers.md).
The target must be allowed by the ledger's HOOKMESH_TARGET_ALLOW.`,
		Example: `  hookmesh subscriptions create billing --target 127.0.0.1:9000
  hookmesh subscriptions create audit --target dns:///audit.internal:9000 --platform stripe,github \
      --timeout 10s --retry-network max_attempts=8,delay=2s,max_delay=10m
  hookmesh subscriptions create late --target 127.0.0.1:9000 --platform stripe --start-from 168h
  hookmesh subscriptions create hooks --target https://hooks.example.com/in --secret "$(openssl rand -base64 32)" --payload raw
  hookmesh subscriptions create orders --target 127.0.0.1:9000 --rate 20:40 --ordering-key 'event.entity_id'`,
		Args: exactArgs(1),
	}
	if !create {
		cmd.Use = "update <name>"
		cmd.Short = "Change a subscription's settings (only those given)"
		cmd.Long = `Change the settings given as flags and keep the others. --platform "" and
--event-type "" clear a filter (all platforms, all types); --rate "" removes
the rate and --ordering-key "" makes it unordered.`
		cmd.Example = `  hookmesh subscriptions update billing --target 127.0.0.1:9001
  hookmesh subscriptions update billing --event-type "" --max-concurrency 16`
	}
	out := addOutput(cmd)
	f.add(cmd)
	if create {
		_ = cmd.MarkFlagRequired("target")
		cmd.Flags().StringVar(&f.startFrom, "start-from", "", "backfill: deliver the stored events received since this time too (RFC 3339 or a duration ago, e.g. 168h), as a background job (see hookmesh jobs)")
		_ = cmd.Flags().MarkHidden("remove-secret") // nothing to remove yet
	}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		return a.withLedger(cmd, func(ctx context.Context, led ledgerv1.LedgerServiceClient) error {
			op, s := "update", &ledgerv1.Subscription{Name: args[0]}
			if create {
				op = "create"
			} else {
				cur, err := led.GetSubscription(ctx, &ledgerv1.GetSubscriptionRequest{Name: args[0]})
				if err != nil {
					return fmt.Errorf("update subscription %s: %w", args[0], err)
				}
				s = cur.GetSubscription()
			}
			if err := f.apply(cmd, s); err != nil {
				return err
			}
			var err error
			if create {
				var resp *ledgerv1.CreateSubscriptionResponse
				resp, err = led.CreateSubscription(ctx, &ledgerv1.CreateSubscriptionRequest{Subscription: s})
				s = resp.GetSubscription()
			} else {
				var resp *ledgerv1.UpdateSubscriptionResponse
				resp, err = led.UpdateSubscription(ctx, &ledgerv1.UpdateSubscriptionRequest{Subscription: s})
				s = resp.GetSubscription()
			}
			if err != nil {
				return fmt.Errorf("%s subscription %s: %w", op, args[0], err)
			}
			return writeSubscription(cmd, out, s)
		})
	}
	return cmd
}

// newSubscriptionPauseCmd is `subscriptions pause` or, with pause false,
// `subscriptions resume`.
func newSubscriptionPauseCmd(a *app, pause bool) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "pause <name>",
		Short:   "Pause a subscription: its deliveries wait, nothing is lost",
		Example: "  hookmesh subscriptions pause billing",
		Args:    exactArgs(1),
	}
	if !pause {
		cmd.Use, cmd.Short, cmd.Example = "resume <name>", "Resume a paused subscription: its waiting deliveries go out", "  hookmesh subscriptions resume billing"
	}
	out := addOutput(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		return a.withLedger(cmd, func(ctx context.Context, led ledgerv1.LedgerServiceClient) error {
			var s *ledgerv1.Subscription
			if pause {
				resp, err := led.PauseSubscription(ctx, &ledgerv1.PauseSubscriptionRequest{Name: args[0]})
				if err != nil {
					return fmt.Errorf("pause subscription %s: %w", args[0], err)
				}
				s = resp.GetSubscription()
			} else {
				resp, err := led.ResumeSubscription(ctx, &ledgerv1.ResumeSubscriptionRequest{Name: args[0]})
				if err != nil {
					return fmt.Errorf("resume subscription %s: %w", args[0], err)
				}
				s = resp.GetSubscription()
			}
			return writeSubscription(cmd, out, s)
		})
	}
	return cmd
}

func newSubscriptionsDeleteCmd(a *app) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "delete <name>",
		Short: "Delete a subscription with its deliveries and their history",
		Long: `Delete a subscription together with its deliveries and their history, dead
letters included: nothing more is delivered to it. To stop deliveries for a
while, pause it instead. A subscription named in HOOKMESH_SUBSCRIPTIONS_FILE
comes back at the ledger's next start: remove it from the file too.

On a terminal the command asks first; elsewhere it needs --yes.`,
		Example: "  hookmesh subscriptions delete billing\n  hookmesh subscriptions delete billing --yes",
		Args:    exactArgs(1),
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if !yes {
			if !isTerminal(cmd.InOrStdin()) {
				return usageError("%s: deleting cancels the subscription's pending deliveries (kept in history); add --yes", cmd.CommandPath())
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Delete subscription %s, cancelling its pending deliveries (kept in history)? [y/N] ", args[0])
			answer, _ := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
			if ans := strings.ToLower(strings.TrimSpace(answer)); ans != "y" && ans != "yes" {
				return fmt.Errorf("not deleted")
			}
		}
		return a.withLedger(cmd, func(ctx context.Context, led ledgerv1.LedgerServiceClient) error {
			resp, err := led.DeleteSubscription(ctx, &ledgerv1.DeleteSubscriptionRequest{Name: args[0]})
			if err != nil {
				return fmt.Errorf("delete subscription %s: %w", args[0], err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "deleted subscription %s; %d pending deliveries cancelled (kept in history)\n", args[0], resp.GetCancelled())
			return nil
		})
	}
	return cmd
}

// newSubscriptionsTestFilterCmd is `subscriptions test-filter`: a filter
// evaluated by the ledger against a stored event or a given JSON body.
func newSubscriptionsTestFilterCmd(a *app) *cobra.Command {
	var platform, eventID, source, body, sourceType string
	var headers []string
	cmd := &cobra.Command{
		Use:   "test-filter <expression> (--event-id ID --platform P | --body JSON)",
		Short: "Evaluate a filter against a stored event or a JSON body",
		Long: `Evaluate a CEL filter as the ledger would when recording an event: against a
stored event (--platform and --event-id) or a given body (--body, with
--platform, --source-type and --header for the other variables). Prints
whether it matched; an expression that does not compile is an error with its
position; an evaluation error is printed (at Record it would dead-letter the
event's delivery).`,
		Example: `  hookmesh subscriptions test-filter 'source_type == "invoice.paid"' --platform stripe --event-id evt_123
  hookmesh subscriptions test-filter 'payload.ref == "refs/heads/main"' --platform github --body '{"ref":"refs/heads/main"}'`,
		Args: exactArgs(1),
	}
	fs := cmd.Flags()
	fs.StringVar(&platform, "platform", "", "the stored event's platform; with --body, the platform variable")
	fs.StringVar(&eventID, "event-id", "", "a stored event's id")
	fs.StringVar(&source, "source", "", "the stored event's source, where ids are scoped")
	fs.StringVar(&body, "body", "", "a JSON body to test instead of a stored event")
	fs.StringVar(&sourceType, "source-type", "", "with --body, the platform's own event type (source_type)")
	fs.StringArrayVar(&headers, "header", nil, "with --body, a header 'Name: value' (repeat)")
	out := addOutput(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		req := &ledgerv1.TestFilterRequest{Filter: args[0], Platform: platform, EventId: eventID, Source: source}
		switch {
		case eventID != "" && body != "":
			return usageError("%s: give --event-id or --body, not both", cmd.CommandPath())
		case eventID == "" && body == "":
			return usageError("%s: give --event-id (with --platform) or --body", cmd.CommandPath())
		case body != "":
			v := &structpb.Value{}
			if err := protojson.Unmarshal([]byte(body), v); err != nil {
				return usageError("--body: not JSON: %v", err)
			}
			req.Payload = v
			req.Headers = map[string]string{}
			for _, h := range headers {
				k, val, ok := strings.Cut(h, ":")
				if !ok {
					return usageError("--header %q: want 'Name: value'", h)
				}
				req.Headers[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(val)
			}
			req.Event = &eventv1.NormalizedEvent{Platform: platform, SourceEventType: sourceType}
		}
		return a.withLedger(cmd, func(ctx context.Context, led ledgerv1.LedgerServiceClient) error {
			resp, err := led.TestFilter(ctx, req)
			if err != nil {
				return fmt.Errorf("test filter: %w", err)
			}
			return out.write(cmd.OutOrStdout(), resp, func(w io.Writer) error {
				switch {
				case resp.GetError() != "":
					fmt.Fprintf(w, "error (cost %d): %s\n", resp.GetCost(), resp.GetError())
				default:
					fmt.Fprintf(w, "matched: %v (cost %d)\n", resp.GetMatched(), resp.GetCost())
				}
				return nil
			})
		})
	}
	return cmd
}

// parseClassPolicy parses "max_attempts=8,delay=2s,max_delay=10m"; "-" in
// a key may stand for "_".
// parseRate reads --rate: per_second[:burst]; "" is no rate (nil). The
// ledger checks the ranges.
func parseRate(s string) (*ledgerv1.Rate, error) {
	if s == "" {
		return nil, nil
	}
	ps, burst, hasBurst := strings.Cut(s, ":")
	r := &ledgerv1.Rate{}
	v, err := strconv.ParseFloat(ps, 64)
	if err != nil {
		return nil, fmt.Errorf("per_second %q is not a number", ps)
	}
	r.PerSecond = v
	if hasBurst {
		b, err := strconv.ParseInt(burst, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("burst %q is not a whole number", burst)
		}
		r.Burst = int32(b)
	}
	return r, nil
}

// rateText shows a rate as --rate takes it, "-" for none.
func rateText(r *ledgerv1.Rate) string {
	if r == nil {
		return "-"
	}
	return fmt.Sprintf("%s/s, burst %d", strconv.FormatFloat(r.GetPerSecond(), 'g', -1, 64), r.GetBurst())
}

func parseClassPolicy(s string) (*ledgerv1.ClassPolicy, error) {
	p := &ledgerv1.ClassPolicy{}
	for _, part := range nonEmpty(strings.Split(s, ",")) {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("%q: want key=value", part)
		}
		switch strings.ReplaceAll(strings.TrimSpace(k), "-", "_") {
		case "max_attempts", "attempts":
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
			if err != nil {
				return nil, fmt.Errorf("%s=%q: want a whole number", k, v)
			}
			p.MaxAttempts = int32(n)
		case "delay", "max_delay":
			d, err := time.ParseDuration(strings.TrimSpace(v))
			if err != nil {
				return nil, fmt.Errorf("%s=%q: want a duration such as 2s or 10m", k, v)
			}
			if strings.HasPrefix(strings.TrimSpace(k), "max") {
				p.MaxDelay = durationpb.New(d)
			} else {
				p.Delay = durationpb.New(d)
			}
		default:
			return nil, fmt.Errorf("unknown key %q: want max_attempts, delay or max_delay", k)
		}
	}
	return p, nil
}

// classPolicy describes a class's overrides for a table.
func classPolicy(p *ledgerv1.ClassPolicy) string {
	var parts []string
	if p.GetMaxAttempts() > 0 {
		parts = append(parts, fmt.Sprintf("max_attempts=%d", p.GetMaxAttempts()))
	}
	if p.GetDelay() != nil {
		parts = append(parts, "delay="+p.GetDelay().AsDuration().String())
	}
	if p.GetMaxDelay() != nil {
		parts = append(parts, "max_delay="+p.GetMaxDelay().AsDuration().String())
	}
	if len(parts) == 0 {
		return "defaults"
	}
	return strings.Join(parts, ",")
}

func state(s *ledgerv1.Subscription) string {
	if s.GetPaused() {
		return "paused"
	}
	return "active"
}

func typeNames(ts []eventv1.EventType) []string {
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		out = append(out, strings.TrimPrefix(t.String(), "EVENT_TYPE_"))
	}
	return out
}

// allOr joins a filter's values; an empty filter matches everything.
func allOr(vs []string) string {
	if len(vs) == 0 {
		return "all"
	}
	return strings.Join(vs, ",")
}

func nonEmpty(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
