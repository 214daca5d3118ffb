package dispatch

import (
	"fmt"
	"time"

	"github.com/hookmesh/hookmesh/services/dispatcher/internal/breaker"
)

// An outage of a handler target costs the dispatcher and the ledger per
// breaker transition, not per waiting delivery: while the target's breaker
// is open its deliveries are not claimed (they wait in the ledger, due and
// untouched), when it half-opens one delivery is claimed for the trial
// call, and only what was already claimed when it opened is deferred (no
// history row, a debug line). The history keeps the calls: the one whose
// failure opened the breaker carries the outage's entry (outageEntry),
// and each failed trial its own.

// heldReason is the last_error of a delivery the breaker refused (no call,
// no history row).
const heldReason = "circuit breaker open: target unavailable, delivery held until a trial call succeeds"

// outageEntry is the history text of a call that failed with the breaker
// open after it: the outage's one entry (the call that opened the breaker)
// or a failed trial. Deliveries held meanwhile get no entry of their own,
// so the text says what happens to them.
func outageEntry(open *breaker.Open, msg string) string {
	what := "this call's failure opened the circuit breaker"
	if open.Trial {
		what = "this trial call failed and the circuit breaker opened again"
	}
	return fmt.Sprintf("target unavailable since %s: %s; deliveries to the target are held, without calls or counted attempts, "+
		"until a trial call succeeds (next at %s): %s",
		open.Since.UTC().Format(time.RFC3339), what, open.Until.UTC().Format(time.RFC3339), msg)
}

// gates returns the targets the next claim must skip or only probe, from
// the breakers (breaker.Set.Gates): the deliveries of an open breaker's
// target are left in the ledger, untouched, instead of being claimed only
// to be deferred again. A half-open target is probed only when none of its
// deliveries is in flight here: a probe claimed but not yet called does
// not show in the breaker, and a second one would only be refused.
func (d *Dispatcher) gates() (skip, probe []string) {
	skip, probe = d.opts.Breakers.Gates()
	if len(probe) == 0 {
		return skip, nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	free := probe[:0]
	for _, t := range probe {
		if d.inTarget[t] > 0 {
			skip = append(skip, t)
		} else {
			free = append(free, t)
		}
	}
	return skip, free
}
