package storetest

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// listening runs s.Listen until the test ends and returns its
// notifications, after the first one (the "anything may be due" sent once
// it listens), which it waits for.
func listening(t *testing.T, s store.Store) <-chan []string {
	t.Helper()
	lctx, cancel := context.WithCancel(context.Background())
	got := make(chan []string, 100)
	ready := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	wg.Go(func() {
		err := s.Listen(lctx, func(subs []string) {
			first := false
			once.Do(func() { first = true; close(ready) })
			if !first {
				got <- subs
			}
		})
		if err != nil {
			t.Errorf("Listen: %v", err)
		}
	})
	t.Cleanup(func() { cancel(); wg.Wait() })
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("Listen never started listening")
	}
	return got
}

func next(t *testing.T, got <-chan []string, what string) []string {
	t.Helper()
	select {
	case subs := <-got:
		return subs
	case <-time.After(10 * time.Second):
		t.Fatalf("no notification after %s", what)
		return nil
	}
}

func testListen(t *testing.T, s store.Store) {
	mustCreate(t, s, withPlatforms(Subscription("billing"), "stripe"))
	got := listening(t, s)

	// No delivery made, so no notification: the next one must be the
	// matching Record's.
	mustRecord(t, s, Typed("github", "g1", eventv1.EventType_EVENT_TYPE_CODE_PUSHED))
	mustRecord(t, s, Typed("stripe", "evt_1", eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED))
	if subs := next(t, got, "a Record that made a delivery"); !slices.Equal(subs, []string{"billing"}) {
		t.Errorf("notification = %v, want [billing]", subs)
	}

	if _, err := s.PauseSubscription(ctx(t), &ledgerv1.PauseSubscriptionRequest{Name: "billing"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ResumeSubscription(ctx(t), &ledgerv1.ResumeSubscriptionRequest{Name: "billing"}); err != nil {
		t.Fatal(err)
	}
	if subs := next(t, got, "a resume"); !slices.Equal(subs, []string{"billing"}) {
		t.Errorf("notification = %v, want [billing]", subs)
	}

	l := claim(t, s, "d1", 0)[0]
	deadLetter(t, s, l, "no")
	if _, err := s.ReplayDeadLetter(ctx(t), &ledgerv1.ReplayDeadLetterRequest{Id: l.GetDelivery().GetDeliveryId()}); err != nil {
		t.Fatal(err)
	}
	if subs := next(t, got, "a replay"); !slices.Equal(subs, []string{"billing"}) {
		t.Errorf("notification = %v, want [billing]", subs)
	}
	select {
	case subs := <-got:
		t.Errorf("unexpected notification %v (pause, claim and dead letter make nothing due)", subs)
	case <-time.After(300 * time.Millisecond):
	}
}
