package storetest

import (
	"fmt"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// countEvents pages through everything req matches and counts it.
func countEvents(t *testing.T, s store.Store, req *ledgerv1.ListEventsRequest) int {
	t.Helper()
	return len(listAll(t, s, req))
}

// listAll follows next_page_token to the end and returns the event ids.
func listAll(t *testing.T, s store.Store, req *ledgerv1.ListEventsRequest) []string {
	t.Helper()
	var ids []string
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatalf("ListEvents: more than 1000 pages; the cursor does not advance")
		}
		resp, err := s.ListEvents(ctx(t), req)
		if err != nil {
			t.Fatalf("ListEvents(%v): %v", req, err)
		}
		for _, e := range resp.GetEvents() {
			ids = append(ids, e.GetEventId())
		}
		if resp.GetNextPageToken() == "" {
			return ids
		}
		if len(resp.GetEvents()) == 0 {
			t.Fatalf("ListEvents: empty page with a next token")
		}
		req.PageToken = resp.GetNextPageToken()
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// seedList records e1..e6 in that order (so e6 is newest by id), with
// received times that do not follow the recording order, two platforms and
// two types, and one unnormalized event.
func seedList(t *testing.T, s store.Store) {
	type ev struct {
		platform, id string
		at           time.Duration
		typ          eventv1.EventType
	}
	for _, e := range []ev{
		{"stripe", "e1", 0, eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED},
		{"github", "e2", 3 * time.Hour, eventv1.EventType_EVENT_TYPE_CODE_PUSHED},
		{"stripe", "e3", 1 * time.Hour, eventv1.EventType_EVENT_TYPE_PAYMENT_FAILED},
		{"stripe", "e4", 2 * time.Hour, eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED},
		{"github", "e5", 5 * time.Hour, eventv1.EventType_EVENT_TYPE_UNSPECIFIED},
		{"stripe", "e6", 4 * time.Hour, eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED},
	} {
		req := Request(e.platform, "", e.id, base.Add(e.at))
		if e.typ == eventv1.EventType_EVENT_TYPE_UNSPECIFIED {
			req.Event, req.NormalizationError = nil, "broken"
		} else {
			req.Event.EventType = e.typ
		}
		mustRecord(t, s, req)
	}
}

func testListFilters(t *testing.T, s store.Store) {
	seedList(t, s)
	ts := func(d time.Duration) *timestamppb.Timestamp { return timestamppb.New(base.Add(d)) }
	cases := []struct {
		name string
		req  *ledgerv1.ListEventsRequest
		want []string
	}{
		{"all newest first", &ledgerv1.ListEventsRequest{}, []string{"e6", "e5", "e4", "e3", "e2", "e1"}},
		{"platform", &ledgerv1.ListEventsRequest{Platform: "github"}, []string{"e5", "e2"}},
		{"type", &ledgerv1.ListEventsRequest{EventType: eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED}, []string{"e6", "e4", "e1"}},
		{"platform and type", &ledgerv1.ListEventsRequest{Platform: "github", EventType: eventv1.EventType_EVENT_TYPE_CODE_PUSHED}, []string{"e2"}},
		// base+1h is e3's received_at exactly: after is inclusive.
		{"received_after inclusive", &ledgerv1.ListEventsRequest{ReceivedAfter: ts(time.Hour)}, []string{"e6", "e5", "e4", "e3", "e2"}},
		// base+2h is e4's: before is exclusive.
		{"received_before exclusive", &ledgerv1.ListEventsRequest{ReceivedBefore: ts(2 * time.Hour)}, []string{"e3", "e1"}},
		{"window", &ledgerv1.ListEventsRequest{ReceivedAfter: ts(time.Hour), ReceivedBefore: ts(4 * time.Hour)}, []string{"e4", "e3", "e2"}},
		{"empty window", &ledgerv1.ListEventsRequest{ReceivedAfter: ts(4 * time.Hour), ReceivedBefore: ts(time.Hour)}, nil},
		{"unknown platform", &ledgerv1.ListEventsRequest{Platform: "nope"}, nil},
		{"paged filter", &ledgerv1.ListEventsRequest{Platform: "stripe", PageSize: 1}, []string{"e6", "e4", "e3", "e1"}},
	}
	for _, c := range cases {
		if got := listAll(t, s, c.req); !equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	// The page carries full stored events, decoded.
	resp, err := s.ListEvents(ctx(t), &ledgerv1.ListEventsRequest{PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	if e := resp.GetEvents()[1]; e.GetEventId() != "e5" || e.GetEvent() != nil || e.GetNormalizationError() != "broken" {
		t.Errorf("unnormalized event in list = %v", e)
	}
	if e := resp.GetEvents()[0]; e.GetEvent().GetEventId() != "e6" || e.GetReceiptId() == "" || e.GetRecordedAt() == nil {
		t.Errorf("event in list = %v", e)
	}
}

func testListPaging(t *testing.T, s store.Store) {
	resp, err := s.ListEvents(ctx(t), &ledgerv1.ListEventsRequest{})
	if err != nil || len(resp.GetEvents()) != 0 || resp.GetNextPageToken() != "" {
		t.Fatalf("empty store: %v, %v; want no events and no token", resp, err)
	}
	seedList(t, s)
	// Six events in pages of 3: the second page is exactly full and is the
	// last, so it must come without a token (the store looked one further).
	p1, err := s.ListEvents(ctx(t), &ledgerv1.ListEventsRequest{PageSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(p1.GetEvents()) != 3 || p1.GetNextPageToken() == "" {
		t.Fatalf("page 1 = %d events, token %q; want 3 and a token", len(p1.GetEvents()), p1.GetNextPageToken())
	}
	p2, err := s.ListEvents(ctx(t), &ledgerv1.ListEventsRequest{PageSize: 3, PageToken: p1.GetNextPageToken()})
	if err != nil {
		t.Fatal(err)
	}
	if len(p2.GetEvents()) != 3 || p2.GetNextPageToken() != "" {
		t.Errorf("page 2 = %d events, token %q; want 3 and no token", len(p2.GetEvents()), p2.GetNextPageToken())
	}
	if got := p2.GetEvents()[0].GetEventId(); got != "e3" {
		t.Errorf("page 2 starts at %s, want e3", got)
	}
	// Events recorded after page 1 do not shift later pages.
	mustRecord(t, s, Request("stripe", "", "e7", base))
	p2again, err := s.ListEvents(ctx(t), &ledgerv1.ListEventsRequest{PageSize: 3, PageToken: p1.GetNextPageToken()})
	if err != nil || len(p2again.GetEvents()) != 3 || p2again.GetEvents()[0].GetEventId() != "e3" {
		t.Errorf("page 2 after a new event = %v, %v; want it unchanged", p2again, err)
	}
	// The default page size is 50.
	for i := range store.DefaultPageSize {
		mustRecord(t, s, Request("bulk", "", fmt.Sprintf("b%d", i), base))
	}
	def, err := s.ListEvents(ctx(t), &ledgerv1.ListEventsRequest{})
	if err != nil || len(def.GetEvents()) != store.DefaultPageSize || def.GetNextPageToken() == "" {
		t.Errorf("default page: %d events, token %q, %v; want %d and a token",
			len(def.GetEvents()), def.GetNextPageToken(), err, store.DefaultPageSize)
	}
	// Sizes above the maximum are lowered, not refused.
	big, err := s.ListEvents(ctx(t), &ledgerv1.ListEventsRequest{PageSize: store.MaxPageSize + 1})
	if err != nil || len(big.GetEvents()) != store.DefaultPageSize+7 {
		t.Errorf("page_size over max: %d events, %v; want all %d", len(big.GetEvents()), err, store.DefaultPageSize+7)
	}
}

func testListInvalid(t *testing.T, s store.Store) {
	for name, req := range map[string]*ledgerv1.ListEventsRequest{
		"negative page size": {PageSize: -1},
		"token not base64":   {PageToken: "!!!"},
		"token not a number": {PageToken: "aGVsbG8"}, // "hello"
		"token zero":         {PageToken: "MA"},      // "0"
		"token negative":     {PageToken: "LTU"},     // "-5"
		"bad timestamp":      {ReceivedAfter: &timestamppb.Timestamp{Seconds: 1, Nanos: -1}},
	} {
		_, err := s.ListEvents(ctx(t), req)
		wantErr(t, "ListEvents("+name+")", err, apperr.ErrInvalid)
	}
}
