package store

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
)

// BreakerReportTTL is how old a dispatcher's breaker report may be to be
// listed by GetDeliveryStats: a dispatcher that claims reports at least
// every BreakerReportEvery, so an older report is from one that stopped.
const BreakerReportTTL = 2 * time.Minute

// BreakerReportEvery is how often a dispatcher's unchanged breaker lists
// are written again, so that their age says the dispatcher still claims.
const BreakerReportEvery = 30 * time.Second

// BreakerRow is a dispatcher_breakers row: one dispatcher's last report.
type BreakerRow struct {
	// DispatcherID is the reporting dispatcher.
	DispatcherID string
	// Open and Probe are its open and half-open targets.
	Open, Probe []string
	// ReportedAt is when it reported them.
	ReportedAt time.Time
}

// SubscriptionCountRow counts one subscription's deliveries.
type SubscriptionCountRow struct {
	// Subscription is its name.
	Subscription string
	// Pending, InFlight and Dead count its deliveries waiting, leased and
	// dead.
	Pending, InFlight, Dead int64
	// OldestPending is when its oldest pending delivery was created; zero
	// when none.
	OldestPending time.Time
}

// StatsRows is what a store reads for GetDeliveryStats.
type StatsRows struct {
	// Counts has a row per subscription with pending or dead deliveries.
	Counts []SubscriptionCountRow
	// Breakers are the reports at most BreakerReportTTL old.
	Breakers []BreakerRow
	// Targets maps each subscription's name to its target.
	Targets map[string]string
	// NormalizationFailures counts unnormalized events per platform.
	NormalizationFailures map[string]int64
}

// PrepareBreakerReport reads a claim's breaker lists as PrepareClaim does
// (sorted, without duplicates, a target in both lists kept as open only)
// as the report of its dispatcher, which must be named.
func PrepareBreakerReport(req *ledgerv1.ClaimDeliveriesRequest) (BreakerRow, error) {
	q, err := PrepareClaim(req)
	if err != nil {
		return BreakerRow{}, err
	}
	if q.DispatcherID == "" {
		return BreakerRow{}, fmt.Errorf("report breakers: dispatcher_id is required: %w", apperr.ErrInvalid)
	}
	return BreakerRow{DispatcherID: q.DispatcherID, Open: q.SkipTargets, Probe: q.ProbeTargets}, nil
}

// StatsResult builds the answer to GetDeliveryStats from what a store
// read: per-subscription counts by name with their sums, one breaker
// entry per target and dispatcher by target (with the subscriptions using
// the target), failures by platform.
func StatsResult(rows StatsRows) *ledgerv1.GetDeliveryStatsResponse {
	resp := &ledgerv1.GetDeliveryStatsResponse{BreakerReportTtl: durationpb.New(BreakerReportTTL)}
	counts := slices.SortedFunc(slices.Values(rows.Counts), func(a, b SubscriptionCountRow) int {
		return cmp.Compare(a.Subscription, b.Subscription)
	})
	for _, c := range counts {
		sc := &ledgerv1.SubscriptionStats{Subscription: c.Subscription, Pending: c.Pending, InFlight: c.InFlight, Dead: c.Dead}
		if !c.OldestPending.IsZero() {
			sc.OldestPendingAt = timestamppb.New(c.OldestPending)
		}
		resp.Subscriptions = append(resp.Subscriptions, sc)
		resp.Pending += c.Pending
		resp.InFlight += c.InFlight
		resp.Dead += c.Dead
	}
	subsOf := map[string][]string{}
	for name, target := range rows.Targets {
		subsOf[target] = append(subsOf[target], name)
	}
	for _, b := range rows.Breakers {
		add := func(targets []string, state ledgerv1.BreakerState) {
			for _, t := range targets {
				resp.Breakers = append(resp.Breakers, &ledgerv1.BreakerReport{
					Target: t, State: state, DispatcherId: b.DispatcherID, ReportedAt: timestamppb.New(b.ReportedAt),
					Subscriptions: slices.Sorted(slices.Values(subsOf[t])),
				})
			}
		}
		add(b.Open, ledgerv1.BreakerState_BREAKER_STATE_OPEN)
		add(b.Probe, ledgerv1.BreakerState_BREAKER_STATE_HALF_OPEN)
	}
	slices.SortFunc(resp.Breakers, func(a, b *ledgerv1.BreakerReport) int {
		return cmp.Or(cmp.Compare(a.GetTarget(), b.GetTarget()), cmp.Compare(a.GetDispatcherId(), b.GetDispatcherId()))
	})
	for _, p := range slices.Sorted(maps.Keys(rows.NormalizationFailures)) {
		resp.NormalizationFailures = append(resp.NormalizationFailures,
			&ledgerv1.PlatformCount{Platform: p, Count: rows.NormalizationFailures[p]})
	}
	return resp
}
