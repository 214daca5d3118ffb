package server_test

import (
	"fmt"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/storetest"
)

// TestReportOutcomes: each outcome of a batch is applied as its single RPC
// would be and answered in order; a refused one fails alone.
func TestReportOutcomes(t *testing.T) {
	t.Parallel()
	_, _, c := newServer(t)
	if _, err := c.CreateSubscription(ctx(t), &ledgerv1.CreateSubscriptionRequest{Subscription: storetest.Subscription("billing")}); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if _, err := c.Record(ctx(t), storetest.Typed("stripe", fmt.Sprintf("evt_%d", i), eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED)); err != nil {
			t.Fatal(err)
		}
	}
	claimed, err := c.ClaimDeliveries(ctx(t), &ledgerv1.ClaimDeliveriesRequest{DispatcherId: "d1", Limit: 4})
	if err != nil || len(claimed.GetLeases()) != 4 {
		t.Fatalf("ClaimDeliveries = %v, %v; want four leases", claimed, err)
	}
	byEvent := map[string]*ledgerv1.Lease{}
	for _, l := range claimed.GetLeases() {
		byEvent[l.GetDelivery().GetEventId()] = l
	}
	done, retried, dead, stale := byEvent["evt_0"], byEvent["evt_1"], byEvent["evt_2"], byEvent["evt_3"]
	next := time.Now().Add(time.Hour)
	resp, err := c.ReportOutcomes(ctx(t), &ledgerv1.ReportOutcomesRequest{Outcomes: []*ledgerv1.Outcome{
		{Report: &ledgerv1.Outcome_Complete{Complete: &ledgerv1.CompleteDeliveryRequest{
			DeliveryId: done.GetDelivery().GetDeliveryId(), LeaseToken: done.GetLeaseToken(), DispatcherId: "d1"}}},
		{Report: &ledgerv1.Outcome_Retry{Retry: &ledgerv1.RetryDeliveryRequest{
			DeliveryId: retried.GetDelivery().GetDeliveryId(), LeaseToken: retried.GetLeaseToken(), DispatcherId: "d1",
			NextAttemptAt: timestamppb.New(next), CountAttempt: true, ErrorClass: ledgerv1.ErrorClass_ERROR_CLASS_NETWORK,
			Code: "UNAVAILABLE", Error: "down"}}},
		{Report: &ledgerv1.Outcome_DeadLetter{DeadLetter: &ledgerv1.DeadLetterDeliveryRequest{
			DeliveryId: dead.GetDelivery().GetDeliveryId(), LeaseToken: dead.GetLeaseToken(), DispatcherId: "d1",
			ErrorClass: ledgerv1.ErrorClass_ERROR_CLASS_VALIDATION, Code: "INVALID_ARGUMENT", Error: "bad"}}},
		{Report: &ledgerv1.Outcome_Complete{Complete: &ledgerv1.CompleteDeliveryRequest{
			DeliveryId: stale.GetDelivery().GetDeliveryId(), LeaseToken: "00000000-0000-4000-8000-000000000000", DispatcherId: "d1"}}},
	}})
	if err != nil {
		t.Fatalf("ReportOutcomes: %v", err)
	}
	want := []codes.Code{codes.OK, codes.OK, codes.OK, codes.FailedPrecondition}
	if len(resp.GetResults()) != len(want) {
		t.Fatalf("results = %v, want %d", resp.GetResults(), len(want))
	}
	for i, r := range resp.GetResults() {
		if codes.Code(r.GetCode()) != want[i] {
			t.Errorf("result %d = %v %q, want %v", i, codes.Code(r.GetCode()), r.GetMessage(), want[i])
		}
	}
	if resp.GetResults()[3].GetMessage() == "" {
		t.Error("the refused outcome has no message")
	}

	state := func(eventID string) *ledgerv1.Delivery {
		t.Helper()
		ds, err := c.ListDeliveries(ctx(t), &ledgerv1.ListDeliveriesRequest{Platform: "stripe", EventId: eventID})
		if err != nil || len(ds.GetDeliveries()) != 1 {
			t.Fatalf("ListDeliveries(%s) = %v, %v", eventID, ds, err)
		}
		return ds.GetDeliveries()[0]
	}
	if d := state("evt_0"); d.GetState() != ledgerv1.DeliveryState_DELIVERY_STATE_DELIVERED {
		t.Errorf("completed delivery is %v, want delivered", d.GetState())
	}
	if d := state("evt_1"); d.GetState() != ledgerv1.DeliveryState_DELIVERY_STATE_PENDING || d.GetAttempts() != 1 ||
		!d.GetNextAttemptAt().AsTime().Equal(next.Truncate(time.Microsecond)) {
		t.Errorf("retried delivery is %v, attempts %d, due %v; want pending, 1, %v", d.GetState(), d.GetAttempts(),
			d.GetNextAttemptAt().AsTime(), next)
	}
	if d := state("evt_2"); d.GetState() != ledgerv1.DeliveryState_DELIVERY_STATE_DEAD {
		t.Errorf("dead-lettered delivery is %v, want dead", d.GetState())
	}
	if d := state("evt_3"); d.GetState() != ledgerv1.DeliveryState_DELIVERY_STATE_PENDING || len(d.GetHistory()) != 0 {
		t.Errorf("refused delivery is %v with history %v, want pending and untouched", d.GetState(), d.GetHistory())
	}
}

func TestReportOutcomesInvalid(t *testing.T) {
	t.Parallel()
	_, _, c := newServer(t)
	_, err := c.ReportOutcomes(ctx(t), &ledgerv1.ReportOutcomesRequest{})
	wantCode(t, "ReportOutcomes(empty)", err, codes.InvalidArgument)

	tooMany := make([]*ledgerv1.Outcome, 257)
	for i := range tooMany {
		tooMany[i] = &ledgerv1.Outcome{Report: &ledgerv1.Outcome_Complete{Complete: &ledgerv1.CompleteDeliveryRequest{}}}
	}
	_, err = c.ReportOutcomes(ctx(t), &ledgerv1.ReportOutcomesRequest{Outcomes: tooMany})
	wantCode(t, "ReportOutcomes(too many)", err, codes.InvalidArgument)

	// An item without a report is refused alone, as a malformed single
	// call would be.
	resp, err := c.ReportOutcomes(ctx(t), &ledgerv1.ReportOutcomesRequest{Outcomes: []*ledgerv1.Outcome{{}}})
	if err != nil || len(resp.GetResults()) != 1 || codes.Code(resp.GetResults()[0].GetCode()) != codes.InvalidArgument {
		t.Errorf("ReportOutcomes(no report) = %v, %v; want one INVALID_ARGUMENT result", resp, err)
	}
}
