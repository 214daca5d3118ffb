// Package dispatch is the dispatcher's work loop: claim due deliveries from
// the ledger, call each subscription's handler through its target's
// breaker with a deadline, and report the outcome (in one ReportOutcomes
// call with the outcomes of other deliveries that finished meanwhile). It
// wakes on the ledger's notification stream and polls as a fallback.
package dispatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	handlerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/handler/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/dispatcher/internal/breaker"
	"github.com/hookmesh/hookmesh/services/dispatcher/internal/retry"
	"github.com/hookmesh/hookmesh/services/dispatcher/internal/webhook"
	"github.com/hookmesh/hookmesh/services/internal/logging"
	"github.com/hookmesh/hookmesh/services/internal/target"
	"github.com/hookmesh/hookmesh/services/internal/tracing"
)

// freedBatchWindow is how long the loop lets finished deliveries gather
// before claiming their room again.
const freedBatchWindow = 3 * time.Millisecond

// DefaultCallTimeout applies when a subscription sets none.
const DefaultCallTimeout = 30 * time.Second

// reportTimeout bounds each outcome report to the ledger (a batch of them
// too). A report that fails is not lost work: the lease expires and the
// delivery is made again.
const reportTimeout = 5 * time.Second

// Handlers returns the client of a handler target; connections are pooled.
type Handlers interface {
	Client(target string) (handlerv1.EventHandlerServiceClient, error)
}

// Options configures a Dispatcher.
type Options struct {
	// ID names this dispatcher in delivery history and its leases; Run
	// releases the leases held under it at start, so it must be unique
	// among live dispatchers.
	ID string
	// Ledger is the ledger client.
	Ledger ledgerv1.LedgerServiceClient
	// Handlers gives handler clients by target.
	Handlers Handlers
	// Web delivers to HTTP destinations (targets that are http:// or
	// https:// URLs); nil dead-letters their deliveries.
	Web *webhook.Client
	// Breakers holds one breaker per target.
	Breakers *breaker.Set
	// Capacity bounds deliveries in flight in this process.
	Capacity int
	// ClaimBatch bounds one claim.
	ClaimBatch int
	// LeaseDuration is asked of the ledger for each claim.
	LeaseDuration time.Duration
	// PollInterval is the fallback claim period when no notification came.
	PollInterval time.Duration
	// DrainTimeout bounds how long shutdown waits for in-flight calls before
	// cancelling them and releasing their leases.
	DrainTimeout time.Duration
	// Jitter draws retry delays; nil means retry.FullJitter.
	Jitter retry.Jitter
	// Log receives a line per outcome.
	Log *slog.Logger
	// Metrics counts outcomes, retries and call durations; nil records
	// nothing.
	Metrics *Metrics
}

// Dispatcher delivers events.
type Dispatcher struct {
	opts  Options
	freed chan struct{}
	// reports batches the outcome reports; Run owns its goroutine.
	reports *reporter

	mu       sync.Mutex
	inFlight map[string]int // by subscription
	inTarget map[string]int // by handler target: see gates
	total    int
}

// New returns a Dispatcher.
func New(opts Options) *Dispatcher {
	if opts.Jitter == nil {
		opts.Jitter = retry.FullJitter
	}
	return &Dispatcher{opts: opts, freed: make(chan struct{}, 1), inFlight: map[string]int{}, inTarget: map[string]int{},
		reports: newReporter(opts.Ledger, opts.Log)}
}

// InFlight returns the deliveries in flight by subscription.
func (d *Dispatcher) InFlight() map[string]int {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[string]int, len(d.inFlight))
	for k, v := range d.inFlight {
		if v > 0 {
			out[k] = v
		}
	}
	return out
}

// Run delivers until ctx is done, then drains: it stops claiming, lets
// in-flight calls finish for up to DrainTimeout, then cancels the rest and
// releases their leases so another dispatcher takes them at once. Call it
// once.
func (d *Dispatcher) Run(ctx context.Context) error {
	// Calls run under their own context: shutdown must not cut a handler
	// call that is about to succeed.
	work, cancelWork := context.WithCancel(context.Background())
	defer cancelWork()
	var workers sync.WaitGroup

	// The reporter outlives the claim loop: deliveries report during the
	// drain, so it stops only once every one of them has returned.
	var reporting sync.WaitGroup
	reporting.Go(d.reports.run)

	wake := make(chan struct{}, 1)
	var watcher sync.WaitGroup
	watcher.Add(1)
	go func() {
		defer watcher.Done()
		d.watch(ctx, wake)
	}()

	d.releaseOwnLeases(ctx)

	poll := time.NewTicker(d.opts.PollInterval)
	defer poll.Stop()
	// tokens fires when a subscription held back by its rate gets its next
	// token (the claim's throttled_until): sooner than the poll, and only
	// then, so a throttled subscription is served at its rate without
	// claiming in a loop.
	tokens := time.NewTimer(time.Hour)
	tokens.Stop()
	defer tokens.Stop()
	backoff := time.Duration(0)
	for ctx.Err() == nil {
		n, limit, throttled, err := d.claimOnce(ctx, work, &workers)
		switch {
		case err != nil && ctx.Err() == nil:
			backoff = min(max(2*backoff, 100*time.Millisecond), 5*time.Second)
			d.opts.Log.Warn("claim failed", slog.String("error", err.Error()), slog.Duration("retry_in", backoff))
			sleep(ctx, backoff)
			continue
		case n > 0 && n == limit:
			backoff = 0
			continue // a full claim: more may be due, claim again before sleeping
		}
		// A short claim means nothing more is claimable now (nothing due,
		// every subscription at its max_concurrency or out of tokens): wait
		// for news, or for the next token.
		backoff = 0
		if !throttled.IsZero() {
			// At least a millisecond: a token due now (clocks differ) must
			// not make the loop spin; at most the poll, which comes anyway.
			tokens.Reset(min(max(time.Until(throttled), time.Millisecond), d.opts.PollInterval))
			d.opts.Metrics.throttledWait()
		}
		select {
		case <-ctx.Done():
		case <-tokens.C:
		case <-wake:
		case <-d.freed:
			// Let a few more deliveries finish first: every claim is a
			// ledger transaction, and claiming one lease per finished
			// delivery made claims the limit of the delivery rate.
			sleep(ctx, freedBatchWindow)
		case <-poll.C:
		}
		tokens.Stop() // the next claim says again whether to wait for tokens
	}

	watcher.Wait()
	drained := make(chan struct{})
	go func() { workers.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(d.opts.DrainTimeout):
		d.opts.Log.Warn("drain timed out; cancelling in-flight calls and releasing their leases")
		cancelWork()
		<-drained
	}
	close(d.reports.stop)
	reporting.Wait()
	return nil
}

// releaseBackoff is the first pause between ReleaseLeases attempts; it
// doubles, within the start's budget of reportTimeout.
const releaseBackoff = 200 * time.Millisecond

// releaseOwnLeases asks the ledger to release the leases still held under
// this dispatcher's id, before the first claim. Why: a dispatcher that was
// killed (SIGKILL, OOM) and restarted under the same id left leases behind,
// and their deliveries would otherwise wait for the leases to expire
// (LeaseDuration, a minute by default). It is safe because no two live
// dispatchers share an id.
//
// A failure does not stop the start: those leases expire anyway, so the
// release is only a shortcut. Unavailable is retried with a short backoff
// within reportTimeout (the ledger may be starting with us); anything else
// (an older ledger answering Unimplemented) is logged and skipped.
func (d *Dispatcher) releaseOwnLeases(ctx context.Context) {
	rctx, cancel := context.WithTimeout(ctx, reportTimeout)
	defer cancel()
	backoff := releaseBackoff
	for {
		resp, err := d.opts.Ledger.ReleaseLeases(rctx, &ledgerv1.ReleaseLeasesRequest{DispatcherId: d.opts.ID})
		if err == nil {
			if n := resp.GetReleased(); n > 0 {
				d.opts.Log.Info("released leases left by a previous run", slog.String("dispatcher_id", d.opts.ID),
					slog.Int("released", int(n)))
			}
			return
		}
		if status.Code(err) == codes.Unavailable {
			sleep(rctx, backoff)
			backoff *= 2
			if rctx.Err() == nil {
				continue
			}
		}
		if ctx.Err() == nil {
			d.opts.Log.Warn("release of previous leases failed; they are delivered when they expire",
				slog.String("dispatcher_id", d.opts.ID), slog.String("error", err.Error()))
		}
		return
	}
}

// claimOnce claims as much as there is room for and starts a worker per
// lease; it returns the number claimed and, when a subscription waits for
// its rate's next token, when that comes (zero otherwise).
func (d *Dispatcher) claimOnce(ctx, work context.Context, workers *sync.WaitGroup) (n, limit int, throttled time.Time, err error) {
	d.mu.Lock()
	room := d.opts.Capacity - d.total
	d.mu.Unlock()
	if room <= 0 {
		return 0, 0, time.Time{}, nil
	}
	limit = min(room, d.opts.ClaimBatch)
	skip, probe := d.gates()
	cctx, cancel := context.WithTimeout(ctx, reportTimeout)
	defer cancel()
	resp, err := d.opts.Ledger.ClaimDeliveries(cctx, &ledgerv1.ClaimDeliveriesRequest{
		DispatcherId:  d.opts.ID,
		Limit:         int32(limit),
		LeaseDuration: durationpb.New(d.opts.LeaseDuration),
		SkipTargets:   skip,
		ProbeTargets:  probe,
	})
	if err != nil {
		return 0, limit, time.Time{}, fmt.Errorf("claim: %w", err)
	}
	if t := resp.GetThrottledUntil(); t != nil {
		throttled = t.AsTime()
	}
	for _, l := range resp.GetLeases() {
		sub, target := l.GetDelivery().GetSubscription(), l.GetSubscription().GetTarget()
		d.mu.Lock()
		d.inFlight[sub]++
		d.inTarget[target]++
		d.total++
		d.mu.Unlock()
		workers.Add(1)
		go func() {
			defer workers.Done()
			defer d.release(sub, target)
			d.deliver(work, l)
		}()
	}
	return len(resp.GetLeases()), limit, throttled, nil
}

func (d *Dispatcher) release(sub, target string) {
	d.mu.Lock()
	d.inFlight[sub]--
	if d.inTarget[target]--; d.inTarget[target] <= 0 {
		delete(d.inTarget, target)
	}
	d.total--
	d.mu.Unlock()
	select {
	case d.freed <- struct{}{}:
	default:
	}
}

// deliver makes one attempt and reports its outcome.
func (d *Dispatcher) deliver(work context.Context, l *ledgerv1.Lease) {
	dl, sub := l.GetDelivery(), l.GetSubscription()
	log := deliveryLog{base: d.opts.Log, lease: l}
	attempt := dl.GetAttempts() + 1
	// The delivery joins the webhook's trace: the lease carries the edge's
	// traceparent, and the HandleEvent client span (otelgrpc) is a child of
	// this span, so the handler's server span is too.
	tctx, span := tracing.Tracer().Start(tracing.WithTraceparent(work, l.GetTraceparent()), "deliver "+dl.GetSubscription(),
		trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(attribute.String("hookmesh.delivery_id", dl.GetDeliveryId()),
			attribute.String("hookmesh.subscription", dl.GetSubscription()),
			attribute.String("hookmesh.event_id", dl.GetEventId()),
			attribute.Int("hookmesh.attempt", int(attempt))))
	defer span.End()
	log.traceID = tracing.TraceID(tctx)

	call, err := d.caller(l, attempt)
	if err != nil {
		// A target that cannot even be parsed, or a request that cannot
		// be built, will not improve: dead letter.
		d.deadLetter(log, l, ledgerv1.ErrorClass_ERROR_CLASS_VALIDATION, "INVALID_ARGUMENT", err.Error(), nil)
		return
	}
	timeout := DefaultCallTimeout
	if sub.GetTimeout() != nil && sub.GetTimeout().AsDuration() > 0 {
		timeout = sub.GetTimeout().AsDuration()
	}
	var callErr error
	// took is the handler call's duration, reported with the outcome for
	// the attempt's history; nil when the breaker made no call.
	var took *durationpb.Duration
	start := time.Now()
	err = d.opts.Breakers.Do(sub.GetTarget(), func() error {
		cctx, cancel := context.WithTimeout(tctx, timeout)
		defer cancel()
		callStart := time.Now()
		callErr = call(cctx)
		elapsed := time.Since(callStart)
		took = durationpb.New(elapsed)
		d.opts.Metrics.called(dl.GetSubscription(), elapsed)
		if callErr != nil && work.Err() != nil {
			return work.Err() // our shutdown, not the handler's fault
		}
		return callErr
	})

	var open *breaker.Open
	switch {
	case errors.As(err, &open) && open.Cause != nil:
		st := status.Convert(open.Cause)
		d.retry(log, l, open.Until, false, ledgerv1.ErrorClass_ERROR_CLASS_BREAKER_OPEN, st.Code().String(),
			outageEntry(open, st.Message()), took)
	case errors.As(err, &open):
		// No call was made: the ledger keeps no history row for it, and
		// a line per delivery held by an outage would flood the log.
		d.retry(log, l, open.Until, false, ledgerv1.ErrorClass_ERROR_CLASS_BREAKER_OPEN, "", heldReason, nil)
	case work.Err() != nil:
		d.retry(log, l, time.Now(), false, ledgerv1.ErrorClass_ERROR_CLASS_UNSPECIFIED, "", "released at dispatcher shutdown", nil)
	case callErr == nil:
		d.complete(log, l, time.Since(start), took)
	default:
		st := status.Convert(callErr)
		class := retry.Classify(st.Code())
		delay, again := retry.FromProto(sub.GetRetryPolicy()).Next(class, int(attempt), retryHint(st), d.opts.Jitter)
		if again {
			d.retry(log, l, time.Now().Add(delay), true, class, st.Code().String(), st.Message(), took)
		} else {
			d.deadLetter(log, l, class, st.Code().String(), st.Message(), took)
		}
	}
}

// deliveryLog logs about one delivery: each line names the delivery, its
// subscription, platform and event, and the trace it joined. It is a
// value, not a slog.Logger built with With, because most deliveries log
// nothing at the default level, and With formats its attributes at once:
// a child logger per delivery was about 5% of the dispatcher's CPU at
// saturation (make bench's profile). The attributes are built only for a
// line the handler takes.
type deliveryLog struct {
	base    *slog.Logger
	lease   *ledgerv1.Lease
	traceID string // "" when the delivery is not traced
}

// log writes one line at level with the delivery's attributes first, then
// attrs.
func (x deliveryLog) log(level slog.Level, msg string, attrs ...slog.Attr) {
	ctx := context.Background()
	if !x.base.Enabled(ctx, level) {
		return
	}
	dl := x.lease.GetDelivery()
	all := make([]slog.Attr, 0, 5+len(attrs))
	all = append(all,
		slog.String("delivery_id", dl.GetDeliveryId()),
		slog.String("subscription", dl.GetSubscription()),
		slog.String("platform", dl.GetPlatform()),
		slog.String("event_id", dl.GetEventId()))
	if x.traceID != "" {
		all = append(all, slog.String("trace_id", x.traceID))
	}
	x.base.LogAttrs(ctx, level, msg, append(all, attrs...)...)
}

// caller returns one attempt's call to l's target: a signed POST to an
// HTTP destination (see webCall), or HandleEvent on a gRPC handler. Both
// answer with a gRPC status, so the breakers and retry classes treat them
// alike.
func (d *Dispatcher) caller(l *ledgerv1.Lease, attempt int32) (func(context.Context) error, error) {
	dl, sub := l.GetDelivery(), l.GetSubscription()
	if target.IsURL(sub.GetTarget()) {
		return d.webCall(l)
	}
	client, err := d.opts.Handlers.Client(sub.GetTarget())
	if err != nil {
		return nil, err
	}
	req := &handlerv1.HandleEventRequest{
		Event:        l.GetEvent(),
		DeliveryId:   dl.GetDeliveryId(),
		Attempt:      attempt,
		Subscription: dl.GetSubscription(),
		Payload:      l.GetPayload(),
	}
	return func(ctx context.Context) error {
		_, err := client.HandleEvent(ctx, req)
		return err
	}, nil
}

// retryHint reads a google.rpc.RetryInfo detail, the standard way for a
// gRPC server to say when to come back.
func retryHint(st *status.Status) time.Duration {
	for _, det := range st.Details() {
		if ri, ok := det.(*errdetails.RetryInfo); ok && ri.GetRetryDelay() != nil {
			return ri.GetRetryDelay().AsDuration()
		}
	}
	return 0
}

func (d *Dispatcher) complete(log deliveryLog, l *ledgerv1.Lease, took time.Duration, call *durationpb.Duration) {
	d.opts.Metrics.outcome(l.GetDelivery().GetSubscription(), OutcomeDelivered)
	err := report(l, d.send(l, &ledgerv1.Outcome{Report: &ledgerv1.Outcome_Complete{Complete: &ledgerv1.CompleteDeliveryRequest{
		DeliveryId: l.GetDelivery().GetDeliveryId(), LeaseToken: l.GetLeaseToken(), DispatcherId: d.opts.ID,
		Duration: call,
	}}}))
	if err != nil {
		d.opts.Metrics.reportFailed(reportComplete)
		log.log(slog.LevelWarn, "delivered, but the report failed; it will be delivered again", slog.String("error", err.Error()))
		return
	}
	log.log(slog.LevelDebug, "delivered", slog.Int("attempt", int(l.GetDelivery().GetAttempts()+1)), slog.Duration("took", took))
}

func (d *Dispatcher) retry(log deliveryLog, l *ledgerv1.Lease, next time.Time, counted bool, class ledgerv1.ErrorClass, code, msg string,
	took *durationpb.Duration) {
	sub := l.GetDelivery().GetSubscription()
	switch class {
	case ledgerv1.ErrorClass_ERROR_CLASS_UNSPECIFIED: // our own shutdown
		d.opts.Metrics.outcome(sub, OutcomeReleased)
	case ledgerv1.ErrorClass_ERROR_CLASS_BREAKER_OPEN:
		d.opts.Metrics.outcome(sub, OutcomeDeferred)
		d.opts.Metrics.retried(sub, class)
	default:
		d.opts.Metrics.outcome(sub, OutcomeRetried)
		d.opts.Metrics.retried(sub, class)
	}
	err := report(l, d.send(l, &ledgerv1.Outcome{Report: &ledgerv1.Outcome_Retry{Retry: &ledgerv1.RetryDeliveryRequest{
		DeliveryId: l.GetDelivery().GetDeliveryId(), LeaseToken: l.GetLeaseToken(), DispatcherId: d.opts.ID,
		NextAttemptAt: timestamppb.New(next), CountAttempt: counted, ErrorClass: class, Code: code, Error: msg,
		Duration: took,
	}}}))
	if err != nil {
		d.opts.Metrics.reportFailed(reportRetry)
		log.log(slog.LevelWarn, "retry report failed; the lease will expire", slog.String("error", err.Error()))
		return
	}
	level := slog.LevelInfo
	if class == ledgerv1.ErrorClass_ERROR_CLASS_BREAKER_OPEN && code == "" {
		// Held by an open breaker, no call made: the breaker's
		// transitions are logged once each, not per delivery.
		level = slog.LevelDebug
	}
	log.log(level, "delivery deferred", slog.String("class", class.String()), slog.String("code", code),
		slog.Bool("counted", counted), slog.Time("next_attempt_at", next), slog.String("error", msg))
}

func (d *Dispatcher) deadLetter(log deliveryLog, l *ledgerv1.Lease, class ledgerv1.ErrorClass, code, msg string,
	took *durationpb.Duration) {
	d.opts.Metrics.outcome(l.GetDelivery().GetSubscription(), OutcomeDeadLettered)
	err := report(l, d.send(l, &ledgerv1.Outcome{Report: &ledgerv1.Outcome_DeadLetter{DeadLetter: &ledgerv1.DeadLetterDeliveryRequest{
		DeliveryId: l.GetDelivery().GetDeliveryId(), LeaseToken: l.GetLeaseToken(), DispatcherId: d.opts.ID,
		ErrorClass: class, Code: code, Error: msg, Duration: took,
	}}}))
	if err != nil {
		d.opts.Metrics.reportFailed(reportDeadLetter)
		log.log(slog.LevelWarn, "dead-letter report failed; the lease will expire", slog.String("error", err.Error()))
		return
	}
	log.log(slog.LevelWarn, "delivery dead-lettered", slog.String("class", class.String()), slog.String("code", code), slog.String("error", msg))
}

// send returns report's send function for an outcome of l: through the
// batching reporter.
func (d *Dispatcher) send(l *ledgerv1.Lease, o *ledgerv1.Outcome) func(context.Context) error {
	return func(ctx context.Context) error { return d.reports.send(ctx, l.GetDelivery().GetEventId(), o) }
}

// reportBudget bounds how long an outcome report is retried. A report that
// never lands is not lost work — the lease expires and the delivery is made
// again — but it costs a duplicate delivery and a lease period of delay, so
// a ledger restart or a PostgreSQL failover (seconds) is worth waiting out.
const reportBudget = 15 * time.Second

// report sends an outcome, retrying while the ledger is unreachable, within
// reportBudget and the lease (past its expiry the outcome would be refused
// anyway). A refusal (the lease was lost) or any other error ends it.
func report(l *ledgerv1.Lease, send func(context.Context) error) error {
	deadline := time.Now().Add(reportBudget)
	if exp := l.GetLeaseExpiresAt(); exp != nil && exp.AsTime().Before(deadline) {
		deadline = exp.AsTime()
	}
	backoff := 100 * time.Millisecond
	for {
		ctx, cancel := reportContext(l)
		err := send(ctx)
		cancel()
		switch status.Code(err) {
		case codes.Unavailable, codes.DeadlineExceeded:
		default:
			return err
		}
		if time.Now().Add(backoff).After(deadline) {
			return err
		}
		time.Sleep(backoff)
		backoff = min(2*backoff, 2*time.Second)
	}
}

// reportContext bounds an outcome report and carries the event id as
// metadata, so the ledger's log line about the outcome names the event
// (the report itself names only the delivery).
func reportContext(l *ledgerv1.Lease) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.Background(), reportTimeout)
	return metadata.AppendToOutgoingContext(ctx, logging.MetadataEventID, l.GetDelivery().GetEventId()), cancel
}

// watch keeps the ledger's notification stream open and turns each message
// into a wake-up. It reconnects with backoff; polling covers the gaps.
func (d *Dispatcher) watch(ctx context.Context, wake chan<- struct{}) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		stream, err := d.opts.Ledger.WatchDeliveries(ctx, &ledgerv1.WatchDeliveriesRequest{})
		if err == nil {
			for {
				if _, err = stream.Recv(); err != nil {
					break
				}
				backoff = 100 * time.Millisecond
				select {
				case wake <- struct{}{}:
				default:
				}
			}
		}
		if ctx.Err() != nil {
			return
		}
		d.opts.Log.Debug("watch stream ended; reconnecting", slog.String("error", err.Error()))
		sleep(ctx, backoff)
		backoff = min(2*backoff, 5*time.Second)
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
