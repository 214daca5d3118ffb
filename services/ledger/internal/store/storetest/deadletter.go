package storetest

import (
	"slices"
	"testing"
	"time"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

func testDeadLetterReplay(t *testing.T, s store.Store) {
	mustCreate(t, s, Subscription("billing"))
	mustRecord(t, s, Typed("stripe", "evt_1", eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED))
	l := claim(t, s, "d1", 0)[0]
	// One counted failure first, so the reset is visible.
	if _, err := s.RetryDelivery(ctx(t), retryReq(l, time.Now().Add(-time.Second), true, ledgerv1.ErrorClass_ERROR_CLASS_DOWNSTREAM, "INTERNAL", "oops")); err != nil {
		t.Fatal(err)
	}
	l = claim(t, s, "d1", 0)[0]
	deadLetter(t, s, l, "schema mismatch")
	if got := claim(t, s, "d1", 0); len(got) != 0 {
		t.Fatalf("a dead letter was claimed: %v", got)
	}
	page, err := s.ListDeadLetters(ctx(t), &ledgerv1.ListDeadLettersRequest{})
	if err != nil || len(page.GetDeadLetters()) != 1 {
		t.Fatalf("ListDeadLetters = %v, %v; want one", page, err)
	}
	dl := page.GetDeadLetters()[0]
	if dl.GetState() != ledgerv1.DeliveryState_DELIVERY_STATE_DEAD || dl.GetAttempts() != 2 ||
		dl.GetLastError() != "schema mismatch" || len(dl.GetHistory()) != 2 || dl.GetHistory()[1].GetCode() != "INVALID_ARGUMENT" {
		t.Errorf("dead letter = %v", dl)
	}
	resp, err := s.ReplayDeadLetter(ctx(t), &ledgerv1.ReplayDeadLetterRequest{Id: dl.GetDeliveryId()})
	if err != nil {
		t.Fatalf("ReplayDeadLetter: %v", err)
	}
	if d := resp.GetDelivery(); d.GetState() != ledgerv1.DeliveryState_DELIVERY_STATE_PENDING || d.GetAttempts() != 0 ||
		d.GetReplays() != 1 || d.GetDeliveryId() != dl.GetDeliveryId() {
		t.Errorf("replayed = %v, want pending, 0 attempts, 1 replay, same id", d)
	}
	got := claim(t, s, "d2", 0)
	if len(got) != 1 || got[0].GetDelivery().GetDeliveryId() != dl.GetDeliveryId() || got[0].GetDelivery().GetAttempts() != 0 {
		t.Fatalf("claim after replay = %v, want the replayed delivery with 0 attempts", got)
	}
	_, err = s.ReplayDeadLetter(ctx(t), &ledgerv1.ReplayDeadLetterRequest{Id: dl.GetDeliveryId()})
	wantErr(t, "ReplayDeadLetter(not dead)", err, apperr.ErrNotFound)
	_, err = s.ReplayDeadLetter(ctx(t), &ledgerv1.ReplayDeadLetterRequest{Id: "evt_1"})
	wantErr(t, "ReplayDeadLetter(not a UUID)", err, apperr.ErrInvalid)
	if page, _ := s.ListDeadLetters(ctx(t), &ledgerv1.ListDeadLettersRequest{}); len(page.GetDeadLetters()) != 0 {
		t.Errorf("replayed delivery still listed as dead: %v", page)
	}
}

func testDeadLetterListAndBulkReplay(t *testing.T, s store.Store) {
	mustCreate(t, s, withPlatforms(Subscription("x"), "stripe"))
	mustCreate(t, s, withPlatforms(Subscription("y"), "github"))
	recordMany(t, s, "stripe", "s", 5)
	recordMany(t, s, "github", "g", 2)
	var order []string
	// One claim and dead-letter at a time, so dead_at strictly orders them.
	for range 7 {
		leases := claim(t, s, "d1", 1)
		if len(leases) != 1 {
			t.Fatalf("claim: %v", leases)
		}
		deadLetter(t, s, leases[0], "no")
		order = append(order, leases[0].GetDelivery().GetDeliveryId())
	}
	slices.Reverse(order) // newest dead first

	var listed []string
	req := &ledgerv1.ListDeadLettersRequest{PageSize: 3}
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("dead-letter cursor does not advance")
		}
		page, err := s.ListDeadLetters(ctx(t), req)
		if err != nil {
			t.Fatalf("ListDeadLetters: %v", err)
		}
		for _, d := range page.GetDeadLetters() {
			listed = append(listed, d.GetDeliveryId())
			if len(d.GetHistory()) != 1 {
				t.Errorf("dead letter %s has %d history entries, want 1", d.GetDeliveryId(), len(d.GetHistory()))
			}
		}
		if page.GetNextPageToken() == "" {
			break
		}
		req.PageToken = page.GetNextPageToken()
	}
	if !slices.Equal(listed, order) {
		t.Errorf("paged dead letters = %v, want newest first %v", listed, order)
	}
	for _, f := range []struct {
		req  *ledgerv1.ListDeadLettersRequest
		want int
	}{
		{&ledgerv1.ListDeadLettersRequest{Subscription: "y"}, 2},
		{&ledgerv1.ListDeadLettersRequest{Platform: "stripe"}, 5},
		{&ledgerv1.ListDeadLettersRequest{Platform: "stripe", Subscription: "y"}, 0},
	} {
		page, err := s.ListDeadLetters(ctx(t), f.req)
		if err != nil || len(page.GetDeadLetters()) != f.want {
			t.Errorf("ListDeadLetters(%v) = %d, %v; want %d", f.req, len(page.GetDeadLetters()), err, f.want)
		}
	}
	for _, bad := range []*ledgerv1.ListDeadLettersRequest{{PageSize: -1}, {PageToken: "garbage!"}, {PageToken: "MTIz"}} {
		_, err := s.ListDeadLetters(ctx(t), bad)
		wantErr(t, "ListDeadLetters(bad)", err, apperr.ErrInvalid)
	}

	for i, step := range []struct {
		req                 *ledgerv1.ReplayDeadLettersRequest
		replayed, remaining int32
	}{
		{&ledgerv1.ReplayDeadLettersRequest{Subscription: "x", Limit: 3}, 3, 2},
		{&ledgerv1.ReplayDeadLettersRequest{Subscription: "x", Limit: 3}, 2, 0},
		{&ledgerv1.ReplayDeadLettersRequest{Subscription: "x"}, 0, 0},
		{&ledgerv1.ReplayDeadLettersRequest{Platform: "github"}, 2, 0},
	} {
		resp, err := s.ReplayDeadLetters(ctx(t), step.req)
		if err != nil || resp.GetReplayed() != step.replayed || resp.GetRemaining() != step.remaining {
			t.Errorf("step %d: ReplayDeadLetters(%v) = %v, %v; want replayed %d, remaining %d",
				i, step.req, resp, err, step.replayed, step.remaining)
		}
	}
	if n := len(claim(t, s, "d1", store.MaxClaimLimit)); n != 7 {
		t.Errorf("claimed %d after replaying all, want 7", n)
	}
	_, err := s.ReplayDeadLetters(ctx(t), &ledgerv1.ReplayDeadLettersRequest{Limit: -1})
	wantErr(t, "ReplayDeadLetters(negative limit)", err, apperr.ErrInvalid)
}
