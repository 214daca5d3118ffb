// Package renormalize re-normalizes events the edge recorded without a
// normalized event because the normalizer was unreachable (or that an
// operator scheduled again with RenormalizeEvents after a normalizer fix).
// The ledger keeps such events due; a Worker claims them in small batches,
// calls NormalizerService.Normalize on the stored raw request, and reports
// the outcome with CompleteNormalization, which on success stores the event
// and creates its deliveries. Without it an event acknowledged while the
// normalizer was down would never be delivered.
package renormalize

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	normalizerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/normalizer/v1"
	"github.com/hookmesh/hookmesh/services/internal/logging"
)

// Outcomes of one claimed event (label outcome of
// hookmesh_renormalizations_total).
const (
	// OutcomeNormalized: the event is stored normalized, deliveries made.
	OutcomeNormalized = "normalized"
	// OutcomeRetried: the normalizer did not answer; due again later.
	OutcomeRetried = "retried"
	// OutcomeFailed: the normalizer rejected the payload; stored as final.
	OutcomeFailed = "failed"
	// OutcomeReportFailed: the ledger refused or missed the report; the
	// lease expires and the event is due again.
	OutcomeReportFailed = "report_failed"
)

// Options configure a Worker.
type Options struct {
	// ID names the worker in the ledger's logs.
	ID string
	// Ledger and Normalizer are the services called.
	Ledger     ledgerv1.LedgerServiceClient
	Normalizer normalizerv1.NormalizerServiceClient
	// Batch bounds one claim; default 16.
	Batch int
	// PollInterval is the claim period; default 1 s. A full batch is
	// followed at once by another claim.
	PollInterval time.Duration
	// CallTimeout is the deadline of each Normalize call; default 10 s.
	CallTimeout time.Duration
	// LeaseDuration is the lease asked for; default 30 s, and never less
	// than three call timeouts. A worker stops working through a batch
	// when what is left of the lease could not cover one more call and its
	// report; the events it leaves are due again when the lease expires.
	// The lease is also how long an event waits when its worker dies (or
	// the ledger is restarted) mid-batch, so it is kept short rather than
	// sized for a whole batch of timeouts.
	LeaseDuration time.Duration
	// Log receives one line per outcome that is not a success.
	Log *slog.Logger
	// Registry, when set, receives hookmesh_renormalizations_total.
	Registry prometheus.Registerer
}

// Worker claims and re-normalizes events until its context ends.
type Worker struct {
	opts     Options
	outcomes *prometheus.CounterVec
}

// New returns a Worker with the defaults applied.
func New(o Options) *Worker {
	if o.Batch <= 0 {
		o.Batch = 16
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = 10 * time.Second
	}
	if o.LeaseDuration <= 0 {
		o.LeaseDuration = 30 * time.Second
	}
	// One Normalize call and one report must fit in a lease, with room.
	o.LeaseDuration = max(o.LeaseDuration, 3*o.CallTimeout)
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	w := &Worker{opts: o, outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hookmesh_renormalizations_total",
		Help: "Re-normalizations of stored events by outcome (normalized, retried, failed, report_failed).",
	}, []string{"outcome"})}
	if o.Registry != nil {
		o.Registry.MustRegister(w.outcomes)
	}
	return w
}

// Run polls until ctx is done and returns nil then. Ledger errors are
// logged and retried at the next poll.
func (w *Worker) Run(ctx context.Context) error {
	t := time.NewTicker(w.opts.PollInterval)
	defer t.Stop()
	for {
		for {
			n, err := w.RunOnce(ctx)
			if ctx.Err() != nil {
				return nil
			}
			if err != nil {
				w.opts.Log.Warn("claim normalizations failed", slog.String("error", err.Error()))
			}
			if err != nil || n < w.opts.Batch {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// RunOnce claims one batch and processes it; it returns how many events
// it claimed.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	// The ledger starts the lease after this instant: a deadline computed
	// from it errs on the early side.
	expiry := time.Now().Add(w.opts.LeaseDuration)
	resp, err := w.opts.Ledger.ClaimNormalizations(ctx, &ledgerv1.ClaimNormalizationsRequest{
		WorkerId: w.opts.ID, Limit: int32(w.opts.Batch), LeaseDuration: durationpb.New(w.opts.LeaseDuration),
	})
	if err != nil {
		return 0, fmt.Errorf("claim normalizations: %w", err)
	}
	leases := resp.GetLeases()
	for i, l := range leases {
		if ctx.Err() != nil {
			break // the leases expire; another worker takes them
		}
		if time.Until(expiry) < 2*w.opts.CallTimeout {
			// Calls were slow: the rest could outlive their lease and race
			// another worker. They come due again when it expires.
			w.opts.Log.Debug("lease running out; leaving the rest of the batch", slog.Int("left", len(leases)-i))
			break
		}
		w.process(ctx, l)
	}
	return len(resp.GetLeases()), nil
}

func (w *Worker) process(ctx context.Context, l *ledgerv1.NormalizationLease) {
	log := w.opts.Log.With(slog.String("platform", l.GetPlatform()), slog.String("event_id", l.GetEventId()))
	rc := l.GetReceipt()
	cctx, cancel := context.WithTimeout(ctx, w.opts.CallTimeout)
	cctx = metadata.AppendToOutgoingContext(cctx, logging.MetadataEventID, l.GetEventId(),
		logging.MetadataReceiptID, rc.GetReceiptId())
	resp, err := w.opts.Normalizer.Normalize(cctx, &normalizerv1.NormalizeRequest{
		Platform: l.GetPlatform(), Headers: rc.GetHeaders(), Body: rc.GetBody(), ReceivedAt: rc.GetReceivedAt(),
	})
	cancel()
	if err != nil && ctx.Err() != nil {
		return // shutting down: the lease expires, nothing is lost
	}
	report := &ledgerv1.CompleteNormalizationRequest{
		Platform: l.GetPlatform(), Source: l.GetSource(), EventId: l.GetEventId(), LeaseToken: l.GetLeaseToken(),
	}
	outcome := OutcomeNormalized
	switch {
	case err != nil:
		report.Error = "normalize: " + err.Error()
		report.Retryable = Retryable(err)
		outcome = OutcomeFailed
		if report.Retryable {
			outcome = OutcomeRetried
		}
	case resp.GetEvent() == nil:
		report.Error, outcome = "normalize: empty response", OutcomeFailed
	default:
		report.Event = resp.GetEvent()
	}
	rctx, rcancel := context.WithTimeout(ctx, w.opts.CallTimeout)
	defer rcancel()
	done, err := w.opts.Ledger.CompleteNormalization(rctx, report)
	if err != nil {
		w.outcomes.WithLabelValues(OutcomeReportFailed).Inc()
		log.Warn("complete normalization failed", slog.String("error", err.Error()))
		return
	}
	w.outcomes.WithLabelValues(outcome).Inc()
	switch outcome {
	case OutcomeNormalized:
		log.Info("event re-normalized", slog.Int("deliveries", int(done.GetDeliveries())))
	case OutcomeRetried:
		log.Debug("normalizer unreachable; re-normalization rescheduled", slog.String("error", report.Error))
	default:
		log.Warn("re-normalization failed; stored as final", slog.String("error", report.Error))
	}
}

// Retryable reports whether a Normalize error is the normalizer not
// answering (down, overloaded, too slow), worth trying again later, rather
// than the payload rejected (INVALID_ARGUMENT, NOT_FOUND and any other
// code), which needs a fix and RenormalizeEvents.
func Retryable(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted, codes.Aborted:
		return true
	}
	return false
}
