package dispatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/logging"
)

// maxReportBatch bounds one ReportOutcomes call; the ledger accepts up to
// 256.
const maxReportBatch = 128

// errReporterStopped answers a report submitted after Run stopped the
// reporter: nobody would send it, and waiting would hang the caller.
var errReporterStopped = errors.New("outcome reporter stopped")

// reporter batches outcome reports into ReportOutcomes calls: one gRPC call
// per delivery was a fixed cost on both sides, and the ledger commits the
// outcomes of one call together. It never waits for company: a batch is
// what queued while the previous call was in flight, so a lone report
// leaves at once and batches grow only under load.
//
// Against a ledger without ReportOutcomes (older than the dispatcher) it
// switches for good to the single RPCs.
type reporter struct {
	ledger ledgerv1.LedgerServiceClient
	log    *slog.Logger

	// queue is unbuffered: a report waits in its sender until the loop
	// takes it, so a report is either taken (and answered) or refused at
	// stop, never stranded in a buffer.
	queue chan *pendingReport
	// stop is closed by Run once every delivery has reported.
	stop chan struct{}
	// single is set once the ledger answered Unimplemented.
	single atomic.Bool
}

// pendingReport is one outcome waiting for its result.
type pendingReport struct {
	outcome *ledgerv1.Outcome
	eventID string
	// result is buffered so the loop never blocks on a caller.
	result chan error
}

func newReporter(ledger ledgerv1.LedgerServiceClient, log *slog.Logger) *reporter {
	return &reporter{ledger: ledger, log: log, queue: make(chan *pendingReport), stop: make(chan struct{})}
}

// send reports one outcome and returns its result: nil when applied, the
// ledger's status for this outcome, or the call's error. ctx bounds only
// the wait to be taken into a batch (and a single RPC after the fallback):
// once taken, the outcome's result is awaited, because the batch call may
// still apply it, and a caller that gave up and reported again would
// report twice.
func (r *reporter) send(ctx context.Context, eventID string, o *ledgerv1.Outcome) error {
	if r.single.Load() {
		return sendSingle(ctx, r.ledger, o)
	}
	p := &pendingReport{outcome: o, eventID: eventID, result: make(chan error, 1)}
	select {
	case r.queue <- p:
	case <-r.stop:
		return errReporterStopped
	case <-ctx.Done():
		return status.FromContextError(ctx.Err()).Err()
	}
	return <-p.result
}

// run sends batches until stop is closed. The caller owns the goroutine:
// it closes stop only after every sender has returned.
func (r *reporter) run() {
	for {
		var first *pendingReport
		select {
		case first = <-r.queue:
		case <-r.stop:
			return
		}
		batch := []*pendingReport{first}
	drain:
		for len(batch) < maxReportBatch {
			select {
			case p := <-r.queue:
				batch = append(batch, p)
			default:
				break drain
			}
		}
		r.flush(batch)
	}
}

// flush sends one batch and hands each sender its result.
func (r *reporter) flush(batch []*pendingReport) {
	if r.single.Load() {
		r.flushSingly(batch)
		return
	}
	req := &ledgerv1.ReportOutcomesRequest{Outcomes: make([]*ledgerv1.Outcome, len(batch))}
	// The event ids travel as metadata, one per outcome in order, so the
	// ledger's log lines (a dead letter's) name each outcome's event, as
	// they do for a single report.
	kv := make([]string, 0, 2*len(batch))
	for i, p := range batch {
		req.Outcomes[i] = p.outcome
		kv = append(kv, logging.MetadataEventID, p.eventID)
	}
	ctx, cancel := context.WithTimeout(context.Background(), reportTimeout)
	defer cancel()
	resp, err := r.ledger.ReportOutcomes(metadata.AppendToOutgoingContext(ctx, kv...), req)
	switch {
	case status.Code(err) == codes.Unimplemented:
		if r.single.CompareAndSwap(false, true) {
			r.log.Info("the ledger has no ReportOutcomes; reporting outcomes one call each")
		}
		r.flushSingly(batch)
		return
	case err == nil && len(resp.GetResults()) != len(batch):
		err = status.Errorf(codes.Internal, "report outcomes: the ledger answered %d results for %d outcomes",
			len(resp.GetResults()), len(batch))
	}
	if err != nil {
		for _, p := range batch {
			p.result <- err
		}
		return
	}
	for i, res := range resp.GetResults() {
		if c := codes.Code(res.GetCode()); c != codes.OK {
			batch[i].result <- status.Error(c, res.GetMessage())
		} else {
			batch[i].result <- nil
		}
	}
}

// flushSingly sends a batch's outcomes one call each, concurrently, as the
// senders would have without batching; it returns when all are answered.
func (r *reporter) flushSingly(batch []*pendingReport) {
	var wg sync.WaitGroup
	for _, p := range batch {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), reportTimeout)
			defer cancel()
			ctx = metadata.AppendToOutgoingContext(ctx, logging.MetadataEventID, p.eventID)
			p.result <- sendSingle(ctx, r.ledger, p.outcome)
		})
	}
	wg.Wait()
}

// sendSingle sends one outcome with its own RPC.
func sendSingle(ctx context.Context, ledger ledgerv1.LedgerServiceClient, o *ledgerv1.Outcome) error {
	var err error
	switch rep := o.GetReport().(type) {
	case *ledgerv1.Outcome_Complete:
		_, err = ledger.CompleteDelivery(ctx, rep.Complete)
	case *ledgerv1.Outcome_Retry:
		_, err = ledger.RetryDelivery(ctx, rep.Retry)
	case *ledgerv1.Outcome_DeadLetter:
		_, err = ledger.DeadLetterDelivery(ctx, rep.DeadLetter)
	default:
		err = fmt.Errorf("outcome %T: not a report", rep)
	}
	return err
}
