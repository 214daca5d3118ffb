package storetest

import (
	"maps"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// batchRequest is a batched delivery of platform "sendgrid" keyed by
// batchKey, with one event per id (RecordRequest.events); event is the
// first item under the batch key, as the edge sends it.
func batchRequest(batchKey string, ids ...string) *ledgerv1.RecordRequest {
	req := Request("sendgrid", "", batchKey, base)
	req.Event.SourceEventType = "delivered"
	for i, id := range ids {
		ev := proto.Clone(req.GetEvent()).(*eventv1.NormalizedEvent)
		ev.EventId = id
		ev.EntityId = "msg-" + id
		if i == 1 {
			ev.SourceEventType = "bounce"
		}
		req.Events = append(req.Events, ev)
	}
	return req
}

// testBatchRecordsEvents checks that a batch records one event per item,
// all with the one receipt and none under the batch key, each delivered to
// the subscriptions that keep it (a filter applies per event); a re-sent
// batch is a duplicate and records nothing.
func testBatchRecordsEvents(t *testing.T, s store.Store) {
	mustCreate(t, s, Subscription("all"))
	bounces := Subscription("bounces")
	bounces.Filter = `source_type == "bounce"`
	mustCreate(t, s, bounces)
	req := batchRequest("batch:1", "sg-a", "sg-b", "sg-c")
	resp := mustRecord(t, s, req)
	if resp.GetDuplicate() || resp.GetReceiptId() != req.GetReceipt().GetReceiptId() || resp.GetEvents() != 3 || resp.GetNewEvents() != 3 {
		t.Fatalf("Record(batch) = %v, want 3 new events under receipt %s", resp, req.GetReceipt().GetReceiptId())
	}
	for i, id := range []string{"sg-a", "sg-b", "sg-c"} {
		got := mustGet(t, s, "sendgrid", "", id)
		if got.GetEvent().GetReceiptId() != req.GetReceipt().GetReceiptId() {
			t.Errorf("%s: receipt %s, want the batch's", id, got.GetEvent().GetReceiptId())
		}
		checkReceipt(t, got.GetReceipt(), req.GetReceipt())
		if !proto.Equal(got.GetEvent().GetEvent(), req.GetEvents()[i]) {
			t.Errorf("%s: event %v, want %v", id, got.GetEvent().GetEvent(), req.GetEvents()[i])
		}
	}
	if n := countEvents(t, s, &ledgerv1.ListEventsRequest{Platform: "sendgrid"}); n != 3 {
		t.Errorf("events = %d, want 3 (none under the batch key)", n)
	}
	const pending = ledgerv1.DeliveryState_DELIVERY_STATE_PENDING
	for id, want := range map[string]map[string]ledgerv1.DeliveryState{
		"sg-a": {"all": pending},
		"sg-c": {"all": pending},
		"sg-b": {"all": pending, "bounces": pending},
	} {
		if got := deliveryStates(t, s, "sendgrid", id); !maps.Equal(got, want) {
			t.Errorf("deliveries of %s = %v, want %v", id, got, want)
		}
	}

	again := batchRequest("batch:1", "sg-a", "sg-b", "sg-c")
	resp = mustRecord(t, s, again)
	if !resp.GetDuplicate() || resp.GetReceiptId() != req.GetReceipt().GetReceiptId() || resp.GetNewEvents() != 0 || resp.GetEvents() != 3 {
		t.Errorf("re-sent batch = %v, want a duplicate of receipt %s", resp, req.GetReceipt().GetReceiptId())
	}
	if n := countEvents(t, s, &ledgerv1.ListEventsRequest{Platform: "sendgrid"}); n != 3 {
		t.Errorf("events after re-sent batch = %d, want 3", n)
	}
	// The same request retried after a lost answer gets the first answer.
	if retried := mustRecord(t, s, req); retried.GetDuplicate() || retried.GetNewEvents() != 3 {
		t.Errorf("retried batch = %v, want the first answer", retried)
	}
}

// testBatchSkipsRecorded checks that a batch with an item already recorded
// records the others under its receipt, with their deliveries, and leaves
// the recorded one (and its receipt) as they were.
func testBatchSkipsRecorded(t *testing.T, s store.Store) {
	mustCreate(t, s, Subscription("all"))
	alone := Request("sendgrid", "", "sg-x", base.Add(-time.Minute))
	mustRecord(t, s, alone)
	req := batchRequest("batch:2", "sg-w", "sg-v", "sg-x")
	resp := mustRecord(t, s, req)
	if resp.GetDuplicate() || resp.GetReceiptId() != req.GetReceipt().GetReceiptId() || resp.GetNewEvents() != 2 || resp.GetEvents() != 3 {
		t.Fatalf("Record(batch) = %v, want 2 new of 3 under receipt %s", resp, req.GetReceipt().GetReceiptId())
	}
	if got := mustGet(t, s, "sendgrid", "", "sg-x"); got.GetEvent().GetReceiptId() != alone.GetReceipt().GetReceiptId() {
		t.Errorf("recorded item moved to receipt %s", got.GetEvent().GetReceiptId())
	}
	for _, id := range []string{"sg-w", "sg-v", "sg-x"} {
		if got := deliveries(t, s, id); got != 1 {
			t.Errorf("deliveries of %s = %d, want 1", id, got)
		}
	}
	if n := countEvents(t, s, &ledgerv1.ListEventsRequest{Platform: "sendgrid"}); n != 3 {
		t.Errorf("events = %d, want 3", n)
	}
}

func deliveries(t *testing.T, s store.Store, eventID string) int {
	t.Helper()
	return len(deliveriesOf(t, s, "sendgrid", eventID))
}
