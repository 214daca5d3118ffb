package cli

import (
	"github.com/spf13/cobra"

	"github.com/hookmesh/hookmesh/services/hookmesh/internal/listen"
)

var _ = register(newListenCmd)

const listenLong = `Print every event the ledger records, as it is recorded, one line each
(or one JSON object per line with -o json), and forward each to an
application on this machine with --forward-to:

  http://host:port/path   POST the platform's body with its headers, as
                          received (--payload raw, the default), so the
                          application's own signature check runs; or the
                          normalized event as JSON (--payload normalized)
  grpc://host:port        call the handler contract
                          (hookmesh.handler.v1.EventHandlerService/HandleEvent)

Each forward's status and latency follow the event on its line. Targets
must be loopback addresses unless --allow-remote is given. Credential
headers (Authorization, Cookie, X-Gitlab-Token) are stored redacted, so
they are not forwarded.

listen resumes where it stopped: the cursor of the last event it handled
is kept in a state file, and the next listen with the same ledger, target
and filters starts after it. --from now skips what arrived meanwhile.`

func newListenCmd(a *app) *cobra.Command {
	var o listen.Options
	var typ string
	cmd := &cobra.Command{
		Use:   "listen",
		Short: "Print events live and forward them to an app on this machine",
		Long:  listenLong,
		Example: `  hookmesh listen
  hookmesh listen --forward-to http://localhost:3000/webhooks/stripe --platform stripe
  hookmesh listen --forward-to grpc://localhost:9095
  hookmesh listen --forward-to http://localhost:3000/events --payload normalized --type PAYMENT_COMPLETED
  hookmesh listen --from 15m -o json | jq -r .event.event_id`,
		GroupID: groupData,
		Args:    noArgs,
	}
	f := cmd.Flags()
	f.StringVar(&o.ForwardTo, "forward-to", "", "forward each event to http://host:port/path or grpc://host:port")
	f.StringVar(&o.Payload, "payload", listen.PayloadRaw, "what an HTTP forward sends: raw (the platform's body and headers) or normalized (the normalized event as JSON)")
	f.StringVar(&o.From, "from", "", "where to start: now, a cursor, an RFC 3339 time or a duration ago such as 15m (default: after the last event this listen handled, else now)")
	f.StringVar(&o.Platform, "platform", "", "only this platform")
	f.StringVar(&typ, "type", "", "only this normalized event type, e.g. PAYMENT_COMPLETED")
	f.StringVarP(&o.Output, "output", "o", listen.OutputText, "output format: text (a line per event) or json (a JSON object per line)")
	f.BoolVar(&o.AllowRemote, "allow-remote", false, "allow a --forward-to target beyond this machine (webhook bodies carry personal data)")
	f.DurationVar(&o.Timeout, "timeout", listen.DefaultTimeout, "deadline of one forward")
	f.StringVar(&o.StateFile, "state-file", "", "file keeping the last cursor (default: one per ledger, target and filters, under the user's configuration directory)")
	cmd.PreRunE = func(*cobra.Command, []string) error {
		if typ != "" {
			t, err := eventType(typ)
			if err != nil {
				return err
			}
			o.EventType = t
		}
		if err := listen.Validate(o); err != nil {
			return usageErr{msg: err.Error()}
		}
		return nil
	}
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		led, closeFn, err := a.ledgerClient()
		if err != nil {
			return err
		}
		defer closeFn()
		o.Ledger, o.LedgerTarget = led, a.getenv("HOOKMESH_LEDGER_TARGET", "127.0.0.1:9092")
		o.Stdout, o.Stderr = cmd.OutOrStdout(), cmd.ErrOrStderr()
		return listen.Run(cmd.Context(), o)
	}
	return cmd
}
