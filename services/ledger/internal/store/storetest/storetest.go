// Package storetest is the conformance suite every store.Store passes. A
// backend's test calls Run with a constructor that returns a fresh, empty,
// migrated store per call; the suite runs its cases in parallel.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// NewStore returns a fresh, empty store, released when t ends.
type NewStore func(t *testing.T) store.Store

// Run runs the whole suite against stores made by newStore.
func Run(t *testing.T, newStore NewStore) {
	cases := []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"RecordThenGet", testRecordThenGet},
		{"NULInHeadersAndMetadata", testNULInHeadersAndMetadata},
		{"Duplicate", testDuplicate},
		{"SameRequestRetried", testSameRequestRetried},
		{"ConcurrentDuplicates", testConcurrentDuplicates},
		{"NormalizationFailed", testNormalizationFailed},
		{"SourceScopesEventID", testSourceScopesEventID},
		{"ReceiptIDReused", testReceiptIDReused},
		{"BadEventKeptAsFailure", testBadEventKeptAsFailure},
		{"RecordInvalid", testRecordInvalid},
		{"GetInvalid", testGetInvalid},
		{"GetNotFound", testGetNotFound},
		{"ListFilters", testListFilters},
		{"ListPaging", testListPaging},
		{"ListInvalid", testListInvalid},
		{"Closed", testClosed},
		{"DeliveriesFromRecord", testDeliveriesFromRecord},
		{"BatchRecordsEvents", testBatchRecordsEvents},
		{"BatchSkipsRecorded", testBatchSkipsRecorded},
		{"ConcurrentClaimers", testConcurrentClaimers},
		{"LeaseExpiry", testLeaseExpiry},
		{"MaxConcurrency", testMaxConcurrency},
		{"Fairness", testFairness},
		{"RetryAndHistory", testRetryAndHistory},
		{"ClaimSkipsAndProbesTargets", testClaimSkipsAndProbesTargets},
		{"RefusedDeferralKeepsNoHistory", testRefusedDeferralKeepsNoHistory},
		{"OutcomeInvalid", testOutcomeInvalid},
		{"LeaseTraceparent", testLeaseTraceparent},
		{"ReleaseLeases", testReleaseLeases},
		{"DeadLetterReplay", testDeadLetterReplay},
		{"DeadLetterListAndBulkReplay", testDeadLetterListAndBulkReplay},
		{"SubscriptionLifecycle", testSubscriptionLifecycle},
		{"SubscriptionInvalid", testSubscriptionInvalid},
		{"SubscriptionShape", testSubscriptionShape},
		{"RedeliverRange", testRedeliverRange},
		{"RedeliverFilter", testRedeliverFilter},
		{"Backfill", testBackfill},
		{"JobBoundKeepsLiveFirst", testJobBoundKeepsLiveFirst},
		{"JobCancelAndDeletedSubscription", testJobCancelAndDeletedSubscription},
		{"SubscriptionShapeInvalid", testSubscriptionShapeInvalid},
		{"FilteredDeliveries", testFilteredDeliveries},
		{"FilteredRenormalization", testFilteredRenormalization},
		{"OrderedClaims", testOrderedClaims},
		{"OrderingKeyFails", testOrderingKeyFails},
		{"OrderedRenormalization", testOrderedRenormalization},
		{"RateClaims", testRateClaims},
		{"RateAfterDelete", testRateAfterDelete},
		{"PauseResume", testPauseResume},
		{"UpsertSubscription", testUpsertSubscription},
		{"DeleteSubscription", testDeleteSubscription},
		{"EmptyRetryPolicy", testEmptyRetryPolicy},
		{"Listen", testListen},
		{"Stats", testStats},
		{"RenormalizeScheduled", testRenormalizeScheduled},
		{"RenormalizeSuccess", testRenormalizeSuccess},
		{"RenormalizeStaleLease", testRenormalizeStaleLease},
		{"RenormalizeFailures", testRenormalizeFailures},
		{"RenormalizeEvents", testRenormalizeEvents},
		{"WatchResume", testWatchResume},
		{"WatchFilters", testWatchFilters},
		{"WatchReceipts", testWatchReceipts},
		{"WatchStart", testWatchStart},
		{"WatchCursors", testWatchCursors},
		{"WatchWakes", testWatchWakes},
		{"ListFieldFilters", testListFieldFilters},
		{"RenormalizeOneEvent", testRenormalizeOneEvent},
		{"AttemptDuration", testAttemptDuration},
		{"DeliveryStats", testDeliveryStats},
	}
	cases = append(cases, retentionCases...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.fn(t, newStore(t))
		})
	}
}

// base is a fixed instant with sub-microsecond digits, which stores drop.
var base = time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)

// Request returns a RecordRequest with a fresh receipt id and a normalized
// event whose key matches the receipt. Exported for other tests of the
// module that need realistic requests.
func Request(platform, source, eventID string, receivedAt time.Time) *ledgerv1.RecordRequest {
	return &ledgerv1.RecordRequest{
		Receipt: &ledgerv1.Receipt{
			ReceiptId: uuid.NewString(),
			Platform:  platform,
			Source:    source,
			EventId:   eventID,
			Headers: map[string]string{
				"content-type":     "application/json",
				"stripe-signature": "[redacted]",
				"x-empty":          "",
			},
			// Not valid UTF-8, with a NUL and trailing whitespace: stores must
			// keep bytes, not text.
			Body:       []byte("{\"id\":\"" + eventID + "\"}\x00\xff\xfe \n"),
			ReceivedAt: timestamppb.New(receivedAt),
			RemoteAddr: "203.0.113.7:51234",
		},
		Event: &eventv1.NormalizedEvent{
			EventId:         eventID,
			Platform:        platform,
			Source:          source,
			EventType:       eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED,
			SourceEventType: "payment_intent.succeeded",
			OccurredAt:      timestamppb.New(receivedAt.Add(-time.Second)),
			ReceivedAt:      timestamppb.New(receivedAt),
			EntityType:      "payment_intent",
			EntityId:        "pi_123",
			UserId:          "cus_9",
			TenantId:        "acct_1",
			Amount:          &eventv1.Money{MinorUnits: 1999, Currency: "USD"},
			Metadata:        map[string]string{"livemode": "false", "api_version": "2024-06-20"},
			SchemaVersion:   1,
		},
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func mustRecord(t *testing.T, s store.Store, req *ledgerv1.RecordRequest) *ledgerv1.RecordResponse {
	t.Helper()
	resp, err := s.Record(ctx(t), req)
	if err != nil {
		t.Fatalf("Record(%s/%s): %v", req.GetReceipt().GetPlatform(), req.GetReceipt().GetEventId(), err)
	}
	return resp
}

func mustGet(t *testing.T, s store.Store, platform, source, eventID string) *ledgerv1.GetEventResponse {
	t.Helper()
	resp, err := s.GetEvent(ctx(t), &ledgerv1.GetEventRequest{Platform: platform, Source: source, EventId: eventID})
	if err != nil {
		t.Fatalf("GetEvent(%s/%s/%s): %v", platform, source, eventID, err)
	}
	return resp
}

func wantErr(t *testing.T, what string, err, class error) {
	t.Helper()
	if !errors.Is(err, class) {
		t.Errorf("%s: error %v, want %v", what, err, class)
	}
}

// checkReceipt compares a returned receipt with the one recorded.
func checkReceipt(t *testing.T, got, want *ledgerv1.Receipt) {
	t.Helper()
	w := proto.Clone(want).(*ledgerv1.Receipt)
	w.ReceivedAt = timestamppb.New(want.GetReceivedAt().AsTime().Truncate(time.Microsecond))
	if !proto.Equal(got, w) {
		t.Errorf("receipt:\n got %v\nwant %v", got, w)
	}
}

func testRecordThenGet(t *testing.T, s store.Store) {
	req := Request("stripe", "", "evt_1", base)
	resp := mustRecord(t, s, req)
	if resp.GetDuplicate() || resp.GetReceiptId() != req.GetReceipt().GetReceiptId() {
		t.Fatalf("Record = %v, want receipt %s, not duplicate", resp, req.GetReceipt().GetReceiptId())
	}
	got := mustGet(t, s, "stripe", "", "evt_1")
	if !proto.Equal(got.GetEvent().GetEvent(), req.GetEvent()) {
		t.Errorf("event:\n got %v\nwant %v", got.GetEvent().GetEvent(), req.GetEvent())
	}
	se := got.GetEvent()
	if se.GetPlatform() != "stripe" || se.GetSource() != "" || se.GetEventId() != "evt_1" ||
		se.GetReceiptId() != req.GetReceipt().GetReceiptId() || se.GetNormalizationError() != "" {
		t.Errorf("stored event fields = %v", se)
	}
	if !se.GetReceivedAt().AsTime().Equal(base.Truncate(time.Microsecond)) {
		t.Errorf("received_at = %v, want %v", se.GetReceivedAt().AsTime(), base)
	}
	if rec := se.GetRecordedAt().AsTime(); time.Since(rec) > time.Minute || time.Until(rec) > time.Minute {
		t.Errorf("recorded_at = %v, want about now", rec)
	}
	checkReceipt(t, got.GetReceipt(), req.GetReceipt())
	if err := s.Ping(ctx(t)); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

// testNULInHeadersAndMetadata: a NUL in a header or a metadata value (a
// JSON payload may carry "\u0000" into an adapter's metadata) does not
// fail the Record, which would lose the webhook. The normalized event
// keeps the exact value; the stored header may read U+FFFD instead of the
// NUL (PostgreSQL's jsonb cannot hold U+0000).
func testNULInHeadersAndMetadata(t *testing.T, s store.Store) {
	req := Request("stripe", "", "evt_nul", base)
	req.Event.Metadata = map[string]string{"note": "a\x00b"}
	req.Receipt.Headers = map[string]string{"x-note": "c\x00d"}
	mustRecord(t, s, req)
	got := mustGet(t, s, "stripe", "", "evt_nul")
	if !proto.Equal(got.GetEvent().GetEvent(), req.GetEvent()) {
		t.Errorf("event:\n got %v\nwant %v", got.GetEvent().GetEvent(), req.GetEvent())
	}
	if h := got.GetReceipt().GetHeaders()["x-note"]; h != "c\x00d" && h != "c\uFFFDd" {
		t.Errorf("stored header x-note = %q, want %q or %q", h, "c\x00d", "c\uFFFDd")
	}
}

func testDuplicate(t *testing.T, s store.Store) {
	first := Request("stripe", "", "evt_dup", base)
	mustRecord(t, s, first)
	second := Request("stripe", "", "evt_dup", base.Add(time.Minute))
	second.Receipt.Body = []byte(`{"id":"evt_dup","retry":true}`)
	second.Receipt.Headers = map[string]string{"x-retry": "1"}
	second.Event.SourceEventType = "changed"
	resp := mustRecord(t, s, second)
	if !resp.GetDuplicate() || resp.GetReceiptId() != first.GetReceipt().GetReceiptId() {
		t.Fatalf("second Record = %v, want duplicate of receipt %s", resp, first.GetReceipt().GetReceiptId())
	}
	// Nothing of the duplicate is stored: the first receipt and event stay.
	got := mustGet(t, s, "stripe", "", "evt_dup")
	checkReceipt(t, got.GetReceipt(), first.GetReceipt())
	if !proto.Equal(got.GetEvent().GetEvent(), first.GetEvent()) {
		t.Errorf("event changed by duplicate: %v", got.GetEvent().GetEvent())
	}
	if n := countEvents(t, s, &ledgerv1.ListEventsRequest{Platform: "stripe"}); n != 1 {
		t.Errorf("events after duplicate = %d, want 1", n)
	}
}

func testSameRequestRetried(t *testing.T, s store.Store) {
	req := Request("github", "hook-1", "guid-1", base)
	first := mustRecord(t, s, req)
	again := mustRecord(t, s, req)
	if again.GetDuplicate() || again.GetReceiptId() != first.GetReceiptId() {
		t.Errorf("retried Record = %v, want the first answer %v", again, first)
	}
}

func testConcurrentDuplicates(t *testing.T, s store.Store) {
	const n = 20
	var wg sync.WaitGroup
	resps := make([]*ledgerv1.RecordResponse, n)
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			resps[i], errs[i] = s.Record(ctx(t), Request("shopify", "shop.example", "race", base))
		}()
	}
	close(start)
	wg.Wait()
	fresh, winner := 0, ""
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Record %d: %v", i, errs[i])
		}
		if !resps[i].GetDuplicate() {
			fresh++
			winner = resps[i].GetReceiptId()
		}
	}
	if fresh != 1 {
		t.Fatalf("%d answers with duplicate=false, want exactly 1", fresh)
	}
	for i, r := range resps {
		if r.GetReceiptId() != winner {
			t.Errorf("answer %d names receipt %s, want the winner's %s", i, r.GetReceiptId(), winner)
		}
	}
	if got := mustGet(t, s, "shopify", "shop.example", "race").GetReceipt().GetReceiptId(); got != winner {
		t.Errorf("stored receipt %s, want the winner's %s", got, winner)
	}
	if c := countEvents(t, s, &ledgerv1.ListEventsRequest{}); c != 1 {
		t.Errorf("%d events stored, want 1", c)
	}
}

func testNormalizationFailed(t *testing.T, s store.Store) {
	req := Request("slack", "", "Ev01", base)
	req.Event = nil
	req.NormalizationError = "slack: unknown envelope"
	resp := mustRecord(t, s, req)
	if resp.GetDuplicate() {
		t.Fatalf("Record = %v, want new", resp)
	}
	got := mustGet(t, s, "slack", "", "Ev01")
	if got.GetEvent().GetEvent() != nil || got.GetEvent().GetNormalizationError() != "slack: unknown envelope" {
		t.Errorf("stored event = %v, want no event and the error", got.GetEvent())
	}
	checkReceipt(t, got.GetReceipt(), req.GetReceipt())
	// The platform's retry, normalized this time, is still a duplicate: the
	// key never depended on normalization.
	retry := Request("slack", "", "Ev01", base.Add(time.Second))
	if r := mustRecord(t, s, retry); !r.GetDuplicate() || r.GetReceiptId() != req.GetReceipt().GetReceiptId() {
		t.Errorf("retry after failure = %v, want duplicate of %s", r, req.GetReceipt().GetReceiptId())
	}
	// A failure without a reason is still marked as one.
	bare := Request("slack", "", "Ev02", base)
	bare.Event = nil
	mustRecord(t, s, bare)
	if e := mustGet(t, s, "slack", "", "Ev02").GetEvent(); e.GetNormalizationError() != store.DefaultNormalizationError {
		t.Errorf("normalization_error = %q, want %q", e.GetNormalizationError(), store.DefaultNormalizationError)
	}
	page, err := s.ListEvents(ctx(t), &ledgerv1.ListEventsRequest{EventType: eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED})
	if err != nil || len(page.GetEvents()) != 0 {
		t.Errorf("typed list = %v, %v; want no unnormalized events", page, err)
	}
}

func testSourceScopesEventID(t *testing.T, s store.Store) {
	a := Request("shopify", "a.example", "1001", base)
	b := Request("shopify", "b.example", "1001", base.Add(time.Hour))
	c := Request("github", "a.example", "1001", base.Add(-time.Hour))
	for _, r := range []*ledgerv1.RecordRequest{a, b, c} {
		if resp := mustRecord(t, s, r); resp.GetDuplicate() {
			t.Fatalf("Record %v: duplicate, want new (key differs)", r.GetReceipt())
		}
	}
	if got := mustGet(t, s, "shopify", "a.example", "1001").GetReceipt().GetReceiptId(); got != a.GetReceipt().GetReceiptId() {
		t.Errorf("with source a: receipt %s, want %s", got, a.GetReceipt().GetReceiptId())
	}
	// Without a source, the most recently received wins.
	if got := mustGet(t, s, "shopify", "", "1001").GetReceipt().GetReceiptId(); got != b.GetReceipt().GetReceiptId() {
		t.Errorf("without source: receipt %s, want the latest %s", got, b.GetReceipt().GetReceiptId())
	}
	_, err := s.GetEvent(ctx(t), &ledgerv1.GetEventRequest{Platform: "shopify", Source: "c.example", EventId: "1001"})
	wantErr(t, "GetEvent(other source)", err, apperr.ErrNotFound)
}

func testReceiptIDReused(t *testing.T, s store.Store) {
	first := Request("stripe", "", "evt_a", base)
	mustRecord(t, s, first)
	other := Request("stripe", "", "evt_b", base)
	other.Receipt.ReceiptId = first.GetReceipt().GetReceiptId()
	_, err := s.Record(ctx(t), other)
	wantErr(t, "Record(reused receipt id)", err, apperr.ErrConflict)
	_, err = s.GetEvent(ctx(t), &ledgerv1.GetEventRequest{Platform: "stripe", EventId: "evt_b"})
	wantErr(t, "GetEvent(rejected event)", err, apperr.ErrNotFound)
}

func testBadEventKeptAsFailure(t *testing.T, s store.Store) {
	req := Request("github", "hook-1", "guid-1", base)
	req.Event.Source = "hook-2"
	req.NormalizationError = "partial"
	if resp := mustRecord(t, s, req); resp.GetDuplicate() {
		t.Fatalf("Record = %v, want new", resp)
	}
	got := mustGet(t, s, "github", "hook-1", "guid-1")
	if got.GetEvent().GetEvent() != nil {
		t.Errorf("event under another key stored: %v", got.GetEvent().GetEvent())
	}
	if e := got.GetEvent().GetNormalizationError(); !strings.HasPrefix(e, "partial; ledger: event key") {
		t.Errorf("normalization_error = %q, want the given one and the key mismatch", e)
	}
	checkReceipt(t, got.GetReceipt(), req.GetReceipt())
}

func testRecordInvalid(t *testing.T, s store.Store) {
	mod := func(f func(r *ledgerv1.RecordRequest)) *ledgerv1.RecordRequest {
		r := Request("stripe", "", "evt_x", base)
		f(r)
		return r
	}
	cases := map[string]*ledgerv1.RecordRequest{
		"nil request":    nil,
		"no receipt":     mod(func(r *ledgerv1.RecordRequest) { r.Receipt = nil }),
		"no platform":    mod(func(r *ledgerv1.RecordRequest) { r.Receipt.Platform = ""; r.Event.Platform = "" }),
		"no event id":    mod(func(r *ledgerv1.RecordRequest) { r.Receipt.EventId = ""; r.Event.EventId = "" }),
		"bad receipt id": mod(func(r *ledgerv1.RecordRequest) { r.Receipt.ReceiptId = "not-a-uuid" }),
		"no received_at": mod(func(r *ledgerv1.RecordRequest) { r.Receipt.ReceivedAt = nil }),
	}
	for name, req := range cases {
		_, err := s.Record(ctx(t), req)
		wantErr(t, "Record("+name+")", err, apperr.ErrInvalid)
	}
	if n := countEvents(t, s, &ledgerv1.ListEventsRequest{}); n != 0 {
		t.Errorf("%d events stored by invalid requests, want 0", n)
	}
}

func testGetInvalid(t *testing.T, s store.Store) {
	for _, req := range []*ledgerv1.GetEventRequest{{EventId: "e"}, {Platform: "p"}, nil} {
		_, err := s.GetEvent(ctx(t), req)
		wantErr(t, fmt.Sprintf("GetEvent(%v)", req), err, apperr.ErrInvalid)
	}
}

func testGetNotFound(t *testing.T, s store.Store) {
	mustRecord(t, s, Request("stripe", "", "evt_here", base))
	for _, req := range []*ledgerv1.GetEventRequest{
		{Platform: "stripe", EventId: "evt_missing"},
		{Platform: "github", EventId: "evt_here"},
	} {
		_, err := s.GetEvent(ctx(t), req)
		wantErr(t, fmt.Sprintf("GetEvent(%v)", req), err, apperr.ErrNotFound)
	}
}

func testClosed(t *testing.T, s store.Store) {
	s.Close()
	s.Close() // twice is allowed
	_, err := s.Record(ctx(t), Request("stripe", "", "evt_closed", base))
	wantErr(t, "Record after Close", err, apperr.ErrUnavailable)
	wantErr(t, "Ping after Close", s.Ping(ctx(t)), apperr.ErrUnavailable)
}
