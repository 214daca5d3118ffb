package console

import (
	"net/http"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

// subStat is one subscription's row of the delivery statistics: its
// backlog and the worst breaker state a dispatcher reported for its
// target.
type subStat struct {
	Pending, InFlight, Dead int64
	// OldestPending is the age of its oldest waiting delivery ("3m ago"),
	// "" when none.
	OldestPending string
	// Breaker is "open", "half-open" or "" (closed, or not reported).
	Breaker string
	// BreakerAge is when the breaker was reported ("4s ago").
	BreakerAge string
}

// breakerRow is a breaker report as the overview lists it.
type breakerRow struct {
	Target, State, Dispatcher, Age string
	Subscriptions                  []string
}

// deliveryStats reads GET /v1/stats: the totals, a row per subscription
// by name and the breaker reports.
func (c *Console) deliveryStats(r *http.Request, s session) (*ledgerv1.GetDeliveryStatsResponse, map[string]subStat, []breakerRow, error) {
	resp := &ledgerv1.GetDeliveryStatsResponse{}
	if err := c.get(r, s, "/v1/stats", nil, resp); err != nil {
		return nil, nil, nil, err
	}
	bySub := map[string]subStat{}
	for _, st := range resp.GetSubscriptions() {
		row := subStat{Pending: st.GetPending(), InFlight: st.GetInFlight(), Dead: st.GetDead()}
		if t := st.GetOldestPendingAt(); t != nil {
			row.OldestPending = ago(t)
		}
		bySub[st.GetSubscription()] = row
	}
	var breakers []breakerRow
	for _, b := range resp.GetBreakers() {
		state := "open"
		if b.GetState() == ledgerv1.BreakerState_BREAKER_STATE_HALF_OPEN {
			state = "half-open"
		}
		age := ago(b.GetReportedAt())
		breakers = append(breakers, breakerRow{Target: b.GetTarget(), State: state, Dispatcher: b.GetDispatcherId(),
			Age: age, Subscriptions: b.GetSubscriptions()})
		for _, name := range b.GetSubscriptions() {
			row := bySub[name]
			// Open is worse than half-open: one dispatcher refusing all
			// calls is what an operator must see.
			if row.Breaker != "open" {
				row.Breaker, row.BreakerAge = state, age
			}
			bySub[name] = row
		}
	}
	return resp, bySub, breakers, nil
}
