package chaos

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// result is the reconciliation of one run.
type result struct {
	cfg                config
	t0                 time.Time
	startup            time.Duration
	loadStopped        time.Time
	sendersDone        time.Time
	drainedAt          time.Time
	drainErr           error
	pendingAfterSettle int64
	attempts, lagged   int64
	outcomes           string
	faults             []fault
	deadProcs          []string
	platforms          map[string]bool

	// Sender side.
	sent         int // distinct webhooks generated
	acked        int // got a 2xx
	unacked      int // the sender gave up (or the sample could not be built)
	dupAcks      int // acknowledged with duplicate=true
	unrecorded2x int // 2xx that were not a 202 "accepted" (handshakes)
	ackKeyDiffs  int // the 202's event_id differed from the sample's key
	expected     int // distinct events acknowledged as stored

	// Ledger side.
	ledgerRows      int // rows in events
	found           int // expected events present in the ledger
	lost            int // expected, absent
	doubled         int // rows beyond the first per sent key
	unexpected      int // rows whose key was never sent
	storedUnacked   int // rows of sent but unacknowledged webhooks
	normFailed      int // expected events stored raw with a normalization error (now or at first)
	renormalized    int // ... of which re-normalized since (transient failure, error cleared)
	normPending     int // ... of which still unnormalized with a transient error: must be delivered, is not
	normPermanent   int // ... of which the error is not a transient one (excluded from "must be delivered")
	normErrors      map[string]int
	mustDeliver     int // expected events stored normalized, or failed transiently
	noDeliveryRow   int // ... without any delivery row
	deliveredEvents int // ... with at least one handler record
	undelivered     int // ... with none

	// Handler and delivery side.
	handlerRows       int64
	distinctDelivered int64
	orphanRows        int64 // handler rows whose delivery id the ledger does not know
	keyMismatch       int64 // handler rows whose event key differs from the delivery's
	stateCounts       map[int]int64
	falseDelivered    int64 // deliveries the ledger marks delivered that the handler never recorded
	maxAttempts       int64
	lastFirstDelivery time.Time // when the last event was first recorded by the handler
	// timings holds, per delivered event, when it was acknowledged and
	// when the handler first recorded it.
	timings []timing
	// orphaned counts deliveries with no recorded activity (no attempt,
	// deferral or outcome) for more than orphanAfter after they were
	// created: a lease nobody was working on (its dispatcher died, or the
	// claim's answer was lost), waited out until it expired.
	orphaned    int64
	orphanDelay time.Duration // the longest such wait
}

// orphanAfter is how long a delivery may sit without any recorded activity
// before the report calls its lease orphaned.
const orphanAfter = 20 * time.Second

type timing struct{ acked, delivered time.Time }

// transient matches normalization errors caused by the normalizer being
// unreachable or slow, not by the payload.
var transient = regexp.MustCompile(`code = (Unavailable|DeadlineExceeded|Canceled)`)

// errorClass shortens a normalization error into a bucket for the report.
var grpcCode = regexp.MustCompile(`code = [A-Za-z]+`)

func errorClass(e string) string {
	if m := grpcCode.FindString(e); m != "" {
		return "normalize: rpc error: " + m
	}
	return truncate(e, 80)
}

func reconcile(t *testing.T, db *pgxpool.Pool, events []sent) *result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r := &result{normErrors: map[string]int{}, stateCounts: map[int]int64{}, platforms: map[string]bool{}}

	// What the senders know.
	sentKeys := map[key]*sent{}
	for i := range events {
		s := &events[i]
		r.sent++
		r.platforms[s.key.platform] = true
		switch {
		case !s.acked:
			r.unacked++
		case !s.recorded:
			r.acked++
			r.unrecorded2x++
		default:
			r.acked++
			r.expected++
			if s.dupAck {
				r.dupAcks++
			}
			if s.ackKey != "" {
				r.ackKeyDiffs++
			}
		}
		if s.key.eventID != "" {
			sentKeys[s.key] = s
		}
	}

	// What the ledger stored.
	type row struct {
		id     int64
		err    string
		renorm int32     // re-normalization attempts
		done   bool      // recorded by the handler at least once
		first  time.Time // ... first at
		dl     bool      // has a delivery row
	}
	byKey := map[key][]*row{}
	byID := map[int64]*row{}
	rows, err := db.Query(ctx, `SELECT id, platform, event_id, normalization_error, renormalize_attempts FROM events`)
	if err != nil {
		t.Fatalf("read events: %v", err)
	}
	for rows.Next() {
		var k key
		rw := &row{}
		if err := rows.Scan(&rw.id, &k.platform, &k.eventID, &rw.err, &rw.renorm); err != nil {
			t.Fatalf("scan events: %v", err)
		}
		r.ledgerRows++
		byKey[k] = append(byKey[k], rw)
		byID[rw.id] = rw
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read events: %v", err)
	}
	rows, err = db.Query(ctx, `SELECT DISTINCT event_row_id FROM deliveries`)
	if err != nil {
		t.Fatalf("read deliveries: %v", err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		if rw := byID[id]; rw != nil {
			rw.dl = true
		}
	}
	rows, err = db.Query(ctx, `SELECT d.event_row_id, min(r.received_at) FROM `+HandlerSchema+`.received r
	    JOIN deliveries d ON d.delivery_id::text = r.delivery_id GROUP BY d.event_row_id`)
	if err != nil {
		t.Fatalf("read handler records: %v", err)
	}
	for rows.Next() {
		var id int64
		var first time.Time
		if err := rows.Scan(&id, &first); err != nil {
			t.Fatal(err)
		}
		if rw := byID[id]; rw != nil {
			rw.done, rw.first = true, first
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read handler records: %v", err)
	}

	for k, rs := range byKey {
		s, ok := sentKeys[k]
		switch {
		case !ok:
			r.unexpected += len(rs)
			continue
		case !s.recorded:
			r.storedUnacked += len(rs)
		}
		if len(rs) > 1 {
			r.doubled += len(rs) - 1
		}
	}
	for k, s := range sentKeys {
		if !s.recorded {
			continue
		}
		rs := byKey[k]
		if len(rs) == 0 {
			r.lost++
			continue
		}
		r.found++
		rw := rs[0]
		// An event stored raw because the normalizer was unreachable is
		// re-normalized by the dispatcher and must be delivered like any
		// other; only a payload the normalizer rejected is excluded.
		switch {
		case rw.err != "":
			r.normFailed++
			r.normErrors[errorClass(rw.err)]++
			if !transient.MatchString(rw.err) {
				r.normPermanent++
				continue
			}
			r.normPending++
		case rw.renorm > 0:
			r.normFailed++
			r.renormalized++
		}
		r.mustDeliver++
		if !rw.dl {
			r.noDeliveryRow++
		}
		if rw.done {
			r.deliveredEvents++
			r.timings = append(r.timings, timing{acked: s.ackedAt, delivered: rw.first})
		} else {
			r.undelivered++
		}
	}

	// The handler's view and the delivery table.
	q := func(sql string, dst any) {
		if err := db.QueryRow(ctx, sql).Scan(dst); err != nil {
			t.Fatalf("%s: %v", strings.TrimSpace(sql), err)
		}
	}
	q(`SELECT count(*) FROM `+HandlerSchema+`.received`, &r.handlerRows)
	q(`SELECT count(DISTINCT delivery_id) FROM `+HandlerSchema+`.received`, &r.distinctDelivered)
	q(`SELECT count(*) FROM `+HandlerSchema+`.received r WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.delivery_id::text = r.delivery_id)`, &r.orphanRows)
	q(`SELECT count(*) FROM `+HandlerSchema+`.received r JOIN deliveries d ON d.delivery_id::text = r.delivery_id
	   WHERE (r.platform, r.source, r.event_id) IS DISTINCT FROM (d.platform, d.source, d.event_id)`, &r.keyMismatch)
	q(`SELECT count(*) FROM deliveries d WHERE d.state = 2 AND NOT EXISTS (SELECT 1 FROM `+HandlerSchema+`.received r WHERE r.delivery_id = d.delivery_id::text)`, &r.falseDelivered)
	q(`SELECT coalesce(max(attempts), 0) FROM deliveries`, &r.maxAttempts)
	var maxWait *float64
	if err := db.QueryRow(ctx, `SELECT count(*), extract(epoch FROM max(w))::float8 FROM (
	    SELECT (SELECT min(a.at) FROM delivery_attempts a WHERE a.delivery_id = d.delivery_id) - d.created_at AS w
	    FROM deliveries d) x WHERE w > $1 * interval '1 second'`, orphanAfter.Seconds()).Scan(&r.orphaned, &maxWait); err != nil {
		t.Fatalf("read delivery history: %v", err)
	}
	if maxWait != nil {
		r.orphanDelay = time.Duration(*maxWait * float64(time.Second))
	}
	var last *time.Time
	q(`SELECT max(first) FROM (SELECT min(r.received_at) AS first FROM `+HandlerSchema+`.received r
	   JOIN deliveries d ON d.delivery_id::text = r.delivery_id GROUP BY d.event_row_id) x`, &last)
	if last != nil {
		r.lastFirstDelivery = *last
	}
	srows, err := db.Query(ctx, `SELECT state, count(*) FROM deliveries GROUP BY state`)
	if err != nil {
		t.Fatalf("read delivery states: %v", err)
	}
	for srows.Next() {
		var st int
		var n int64
		if err := srows.Scan(&st, &n); err != nil {
			t.Fatal(err)
		}
		r.stateCounts[st] = n
	}
	return r
}

// problems lists what fails the run.
func (r *result) problems() []string {
	var p []string
	add := func(cond bool, format string, args ...any) {
		if cond {
			p = append(p, fmt.Sprintf(format, args...))
		}
	}
	add(r.lost > 0, "LOST: %d acknowledged events are not in the ledger", r.lost)
	add(r.doubled > 0, "DOUBLED: %d ledger rows beyond one per event", r.doubled)
	add(r.undelivered > 0, "UNDELIVERED: %d acknowledged events (normalized, or failed transiently) never reached the handler", r.undelivered)
	add(r.stateCounts[3] > 0, "DEAD LETTERS: %d deliveries were dead-lettered", r.stateCounts[3])
	add(r.unacked > 0, "UNACKNOWLEDGED: %d webhooks never got a 2xx although their senders retried for %s after the load stopped", r.unacked, r.cfg.maxWait)
	add(r.normPermanent > 0, "NORMALIZATION: %d events failed normalization for a reason other than the normalizer being unreachable", r.normPermanent)
	add(r.falseDelivered > 0, "FALSE DELIVERED: %d deliveries are marked delivered but the handler never recorded them", r.falseDelivered)
	add(r.drainErr != nil, "DRAIN: %v", r.drainErr)
	add(len(r.deadProcs) > 0, "PROCESSES: %s exited on their own", strings.Join(r.deadProcs, ", "))
	return p
}

func (r *result) at(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return fmt.Sprintf("%.1f", t.Sub(r.t0).Seconds())
}

func must(n int64) string {
	if n == 0 {
		return "ok (must be 0)"
	}
	return "FAIL (must be 0)"
}

func (r *result) String() string {
	var b strings.Builder
	c := r.cfg
	pg := "PostgreSQL restarted once"
	if !c.pgRestart {
		pg = "PostgreSQL restart SKIPPED (short form: the server is shared with test packages running in parallel; make chaos restarts it)"
	}
	fmt.Fprintf(&b, "\n==== hookmesh chaos reconciliation: %s form ====\n", c.name)
	faults := fmt.Sprintf("%d kill round(s) of %s, each down %s; %s", c.rounds, strings.Join(faultOrder, ", "), c.down, pg)
	if c.faults != "" {
		faults = c.faults
	}
	fmt.Fprintf(&b, "load: %.0f webhooks/s open loop, %d senders, %d platforms round-robin; %s\n",
		c.rate, c.senders, len(r.platforms), faults)
	fmt.Fprintf(&b, "timeline: start-up %s, load %s, senders done +%s, drained +%s after load stop\n",
		r.startup.Round(100*time.Millisecond), r.loadStopped.Sub(r.t0).Round(100*time.Millisecond),
		r.sendersDone.Sub(r.loadStopped).Round(100*time.Millisecond), durOrDash(r.drainedAt, r.loadStopped))

	fmt.Fprintf(&b, "\nfaults (t = seconds since load start)\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  #\ttarget\tkilled\trestarted\tready\tfirst 2xx\tfirst delivery\tbacklog drained\tfailed attempts\t")
	for i, f := range r.faults {
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t\n", i+1, f.target, r.at(f.killedAt), r.at(f.restarted), r.at(f.ready), r.at(f.firstAck), r.at(f.delivering), r.drain(f), f.failures)
	}
	tw.Flush()

	fmt.Fprintf(&b, "\nreconciliation\n")
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	row := func(label string, v any, note string) { fmt.Fprintf(tw, "  %s\t%v\t%s\n", label, v, note) }
	row("webhooks sent (distinct events)", r.sent, "")
	row("HTTP attempts", r.attempts, r.outcomes)
	row("acknowledged (2xx)", r.acked, fmt.Sprintf("%d of them duplicate=true (an earlier attempt committed, its answer was lost); %d handshake/unrecorded 2xx", r.dupAcks, r.unrecorded2x))
	row("never acknowledged", r.unacked, must(int64(r.unacked)))
	row("distinct events acknowledged as stored", r.expected, "")
	row("events in the ledger", r.ledgerRows, fmt.Sprintf("%d of the acknowledged found; %d stored but never acknowledged; %d unknown keys", r.found, r.storedUnacked, r.unexpected))
	row("  lost (acknowledged, not in the ledger)", r.lost, must(int64(r.lost)))
	row("  doubled (rows beyond one per event)", r.doubled, must(int64(r.doubled)))
	row("  202 event_id differing from the sender's key", r.ackKeyDiffs, "")
	row("normalization failed at ingest (stored raw)", r.normFailed, "transient ones are re-normalized and must be delivered; see below")
	row("  re-normalized since", r.renormalized, "counted in \"must be delivered\"")
	row("  still unnormalized, transient error", r.normPending, "counted in \"must be delivered\" (undelivered)")
	row("  of which not transient", r.normPermanent, must(int64(r.normPermanent))+"; excluded from \"must be delivered\"")
	row("must be delivered (acknowledged; normalized or failed transiently)", r.mustDeliver, fmt.Sprintf("%d without any delivery row", r.noDeliveryRow))
	row("delivered to the handler (distinct events)", r.deliveredEvents, "")
	row("  undelivered", r.undelivered, must(int64(r.undelivered)))
	row("handler calls recorded", r.handlerRows, fmt.Sprintf("%d distinct delivery ids; %d unknown to the ledger; %d with a key differing from the ledger's", r.distinctDelivered, r.orphanRows, r.keyMismatch))
	row("duplicate deliveries", r.handlerRows-r.distinctDelivered, "allowed (at-least-once), counted")
	row("deliveries by state", fmt.Sprintf("delivered %d, pending %d, dead %d", r.stateCounts[2], r.stateCounts[1], r.stateCounts[3]), fmt.Sprintf("max attempts of one delivery: %d", r.maxAttempts))
	row("dead letters", r.stateCounts[3], must(r.stateCounts[3]))
	row("marked delivered, never recorded by the handler", r.falseDelivered, must(r.falseDelivered))
	if len(r.faults) > 0 {
		last := r.faults[len(r.faults)-1]
		row("time to drain after the last fault", r.drain(last),
			fmt.Sprintf("from the %s coming back (t=%s) until every event acknowledged before then reached the handler", last.target, r.at(last.healed())))
	}
	row("time to drain after the load stopped", durOrDash(r.lastFirstDelivery, r.loadStopped), "last event first recorded by the handler, relative to the end of the load (negative: before it)")
	row("acknowledgement to first delivery", r.latencies(), "")
	row("deliveries with no recorded outcome for > "+orphanAfter.String(), r.orphaned,
		fmt.Sprintf("leases waited out to expiry, longest %s: claim answer lost, dispatcher killed, or outcome report failed (then delivered twice)", r.orphanDelay.Round(100*time.Millisecond)))
	tw.Flush()

	if len(r.normErrors) > 0 {
		fmt.Fprintf(&b, "\nnormalization errors of acknowledged events still unnormalized at the end (transient ones should have been re-normalized)\n")
		var ks []string
		for k := range r.normErrors {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		for _, k := range ks {
			fmt.Fprintf(&b, "  %5d  %s\n", r.normErrors[k], k)
		}
	}
	if r.renormalized > 0 {
		fmt.Fprintf(&b, "\nnote: %d acknowledged events were stored raw because the normalizer was unreachable when they arrived;\n"+
			"  the dispatcher's renormalizer normalized them once it was back, and they were delivered like the others.\n", r.renormalized)
	}
	if r.lagged > 0 {
		fmt.Fprintf(&b, "\nnote: the generator found its queue full %d times (senders all busy retrying)\n", r.lagged)
	}
	if ps := r.problems(); len(ps) > 0 {
		fmt.Fprintf(&b, "\nverdict: FAIL\n")
		for _, p := range ps {
			fmt.Fprintf(&b, "  - %s\n", p)
		}
	} else {
		fmt.Fprintf(&b, "\nverdict: PASS (0 lost, 0 doubled, every acknowledged event delivered (normalized or re-normalized), 0 dead letters)\n")
	}
	return b.String()
}

// drain is the time from f healing until every event acknowledged before
// it healed had reached the handler (0 when they all had already).
func (r *result) drain(f fault) string {
	healed := f.healed()
	if healed.IsZero() {
		return "-"
	}
	var last time.Time
	for _, tm := range r.timings {
		if tm.acked.Before(healed) && tm.delivered.After(last) {
			last = tm.delivered
		}
	}
	if !last.After(healed) {
		return "0s"
	}
	return last.Sub(healed).Round(10 * time.Millisecond).String()
}

// latencies summarises acknowledgement-to-first-delivery times.
func (r *result) latencies() string {
	if len(r.timings) == 0 {
		return "-"
	}
	d := make([]time.Duration, len(r.timings))
	for i, tm := range r.timings {
		d[i] = tm.delivered.Sub(tm.acked)
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	q := func(p float64) time.Duration { return d[int(p*float64(len(d)-1))].Round(time.Millisecond) }
	return fmt.Sprintf("p50 %s, p99 %s, max %s", q(0.5), q(0.99), q(1))
}

func durOrDash(end, start time.Time) string {
	if end.IsZero() || start.IsZero() {
		return "-"
	}
	return end.Sub(start).Round(10 * time.Millisecond).String()
}
