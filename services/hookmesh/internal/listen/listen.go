package listen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

// Watcher opens the ledger's event stream; ledgerv1.LedgerServiceClient
// is one.
type Watcher interface {
	WatchEvents(ctx context.Context, in *ledgerv1.WatchEventsRequest, opts ...grpc.CallOption) (grpc.ServerStreamingClient[ledgerv1.WatchEventsResponse], error)
}

// DefaultTimeout bounds one forward.
const DefaultTimeout = 10 * time.Second

// Reconnection backoff after the stream breaks.
const (
	minBackoff = 500 * time.Millisecond
	maxBackoff = 10 * time.Second
)

// Options configures Run.
type Options struct {
	// Ledger is the ledger's client; LedgerTarget names it in messages and
	// in the default state file's key.
	Ledger       Watcher
	LedgerTarget string
	// From is where to start: "" (after the state file's cursor, else
	// now), "now", a cursor, an RFC 3339 time, or a duration ago ("15m").
	From string
	// Platform and EventType filter the events (empty and 0: all).
	Platform  string
	EventType eventv1.EventType
	// Output is OutputText (default) or OutputJSON.
	Output string
	// ForwardTo is the application to forward each event to:
	// "http://localhost:3000/webhooks", https://..., or
	// "grpc://localhost:9095" (hookmesh.handler.v1). Empty: print only.
	ForwardTo string
	// Payload is what an HTTP forward sends: PayloadRaw (default) or
	// PayloadNormalized.
	Payload string
	// AllowRemote lets ForwardTo be beyond loopback.
	AllowRemote bool
	// Timeout bounds one forward; 0 means DefaultTimeout.
	Timeout time.Duration
	// StateFile keeps the last cursor between runs; "" means
	// DefaultStateFile.
	StateFile string
	// Stdout receives the events; Stderr the status lines.
	Stdout, Stderr io.Writer
	// Resolver and Dial reach the forward target; nil means the system's.
	Resolver Resolver
	Dial     DialFunc
}

// stateKey tells the state files of different listens of one ledger apart.
func (o Options) stateKey() string {
	return strings.Join([]string{o.ForwardTo, o.Payload, o.Platform, o.EventType.String()}, "|")
}

// Validate checks what o's flags say, without looking anything up or
// dialling: a command line reports these as usage errors before it starts.
func Validate(o Options) error {
	o = o.withDefaults()
	if o.Output != OutputText && o.Output != OutputJSON {
		return fmt.Errorf("--output %q: want %s or %s", o.Output, OutputText, OutputJSON)
	}
	if o.Payload != PayloadRaw && o.Payload != PayloadNormalized {
		return fmt.Errorf("--payload %q: want %s or %s", o.Payload, PayloadRaw, PayloadNormalized)
	}
	if _, err := applyFrom(&ledgerv1.WatchEventsRequest{}, o.From, time.Now()); err != nil {
		return err
	}
	if o.ForwardTo != "" {
		if _, _, err := parseTarget(o.ForwardTo); err != nil {
			return err
		}
	}
	return nil
}

// Run prints (and forwards) the ledger's events until ctx is done, then
// returns nil. A broken stream is opened again after the last cursor, with
// backoff. It returns an error for what waiting cannot fix: a refused
// target, a cursor the ledger refuses (INVALID_ARGUMENT, OUT_OF_RANGE), a
// missing or wrong admin token.
func Run(ctx context.Context, o Options) error {
	if err := Validate(o); err != nil {
		return err
	}
	o = o.withDefaults()
	req := &ledgerv1.WatchEventsRequest{Platform: o.Platform, EventType: o.EventType}
	explicit, err := applyFrom(req, o.From, time.Now())
	if err != nil {
		return err
	}
	if o.StateFile == "" {
		if o.StateFile, err = DefaultStateFile(o.LedgerTarget, o.stateKey()); err != nil {
			return err
		}
	}
	saved, err := loadState(o.StateFile)
	if err != nil {
		return err
	}
	if !explicit && saved.Cursor != "" {
		req.Cursor = saved.Cursor
		fmt.Fprintf(o.Stderr, "Resuming after the last event seen (state file %s); --from now skips what arrived meanwhile.\n", o.StateFile)
	}

	var fwd forwarder
	p := printer{out: o.Stdout, json: o.Output == OutputJSON}
	if o.ForwardTo != "" {
		g := newGuard(o.Resolver, o.Dial, o.AllowRemote)
		if fwd, err = newForwarder(ctx, o.ForwardTo, o.Payload, g, o.Timeout); err != nil {
			return err
		}
		defer fwd.close()
		p.target = o.ForwardTo
		req.IncludeReceipt = true // the raw body (and headers) to send
	}
	l := &listener{o: o, req: req, fwd: fwd, print: p, key: o.stateKey()}
	return l.run(ctx)
}

func (o Options) withDefaults() Options {
	if o.Output == "" {
		o.Output = OutputText
	}
	if o.Payload == "" {
		o.Payload = PayloadRaw
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	if o.Dial == nil {
		o.Dial = (&net.Dialer{Timeout: o.Timeout}).DialContext
	}
	return o
}

// listener is one Run's loop.
type listener struct {
	o     Options
	req   *ledgerv1.WatchEventsRequest
	fwd   forwarder
	print printer
	key   string
}

func (l *listener) run(ctx context.Context) error {
	backoff := minBackoff
	announced := false
	for {
		progressed, err := l.stream(ctx, &announced)
		if ctx.Err() != nil {
			return nil
		}
		if err = fatal(err); err != nil {
			return err
		}
		if progressed {
			backoff = minBackoff
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		fmt.Fprintf(l.o.Stderr, "Stream lost (%s); reconnecting in %s after the last event seen.\n", describe(err), wait.Round(time.Millisecond))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// stream runs one stream until it breaks; progressed says it delivered a
// message.
func (l *listener) stream(ctx context.Context, announced *bool) (progressed bool, _ error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s, err := l.o.Ledger.WatchEvents(ctx, l.req)
	if err != nil {
		return false, err
	}
	if md, err := s.Header(); err != nil {
		return false, err
	} else if md == nil { // ended before it started: Recv has the status
		_, err := s.Recv()
		return false, err
	}
	if !*announced {
		*announced = true
		fmt.Fprintf(l.o.Stderr, "Listening for events on %s%s", l.o.LedgerTarget, filterText(l.req))
		if l.fwd != nil {
			fmt.Fprintf(l.o.Stderr, ", forwarding to %s", l.o.ForwardTo)
		}
		fmt.Fprintln(l.o.Stderr, ". Ctrl-C to stop.")
	}
	for {
		msg, err := s.Recv()
		if err != nil {
			return progressed, err
		}
		progressed = true
		if msg.GetEvent() != nil {
			var res *Result
			if l.fwd != nil {
				r := l.fwd.forward(ctx, msg)
				res = &r
			}
			if err := l.print.event(msg, res); err != nil {
				return progressed, fmt.Errorf("write: %w", errStop{err})
			}
		}
		// The next stream starts after this message, whichever way it
		// started.
		l.req.Cursor, l.req.StartTime = msg.GetCursor(), nil
		if err := saveState(l.o.StateFile, state{Cursor: msg.GetCursor(), Ledger: l.o.LedgerTarget, Key: l.key,
			Updated: time.Now().UTC()}); err != nil {
			return progressed, errStop{err}
		}
	}
}

// errStop is an error of listen itself (its output, its state file):
// retrying the stream would not fix it.
type errStop struct{ error }

func (e errStop) Unwrap() error { return e.error }

// fatal returns err when reconnecting cannot fix it, with a hint, and nil
// when Run should reconnect.
func fatal(err error) error {
	var stop errStop
	if errors.As(err, &stop) {
		return err
	}
	st, ok := status.FromError(err)
	if !ok {
		return nil
	}
	switch st.Code() {
	case codes.OutOfRange:
		return fmt.Errorf("the ledger no longer keeps the events after this cursor (%s); start again with --from now or --from <time>", st.Message())
	case codes.InvalidArgument:
		return fmt.Errorf("the ledger refused the request (%s); a cursor of another database? try --from now", st.Message())
	case codes.Unauthenticated:
		return fmt.Errorf("the ledger wants the admin token: set HOOKMESH_ADMIN_TOKEN (%s)", st.Message())
	case codes.PermissionDenied, codes.Unimplemented:
		return fmt.Errorf("watch events: %s: %s", st.Code(), st.Message())
	}
	return nil
}

// describe is err as the reconnection line shows it.
func describe(err error) string {
	if st, ok := status.FromError(err); ok {
		return st.Code().String() + ": " + st.Message()
	}
	return err.Error()
}

func filterText(req *ledgerv1.WatchEventsRequest) string {
	var f []string
	if req.GetPlatform() != "" {
		f = append(f, "platform "+req.GetPlatform())
	}
	if req.GetEventType() != 0 {
		f = append(f, "type "+strings.TrimPrefix(req.GetEventType().String(), "EVENT_TYPE_"))
	}
	if len(f) == 0 {
		return ""
	}
	return " (" + strings.Join(f, ", ") + ")"
}
