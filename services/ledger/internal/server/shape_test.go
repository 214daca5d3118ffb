package server_test

import (
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/storetest"
)

const (
	testSecretA = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	testSecretB = "whsec_c2Vjb25kLXNlY3JldC1vZi10aGlydHktdHdvLWJ5dGVz"
)

// TestSecretsWriteOnly: no admin response carries a secret's value, only
// its id; an update that sends a secret back by id keeps it; a lease, for
// the dispatcher, carries the values.
func TestSecretsWriteOnly(t *testing.T) {
	t.Parallel()
	_, st, c := newServer(t)
	sub := storetest.Subscription("hooks")
	sub.Target = "https://127.0.0.1:9/in"
	sub.Secrets = []*ledgerv1.SigningSecret{{Secret: testSecretA}}
	created, err := c.CreateSubscription(ctx(t), &ledgerv1.CreateSubscriptionRequest{Subscription: sub})
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, got *ledgerv1.Subscription, ids ...string) {
		t.Helper()
		if len(got.GetSecrets()) != len(ids) {
			t.Fatalf("%s: secrets %v, want ids %v", what, got.GetSecrets(), ids)
		}
		for i, s := range got.GetSecrets() {
			if s.GetSecret() != "" || s.GetId() != ids[i] || s.GetCreatedAt() == nil {
				t.Errorf("%s: secrets[%d] = %v, want id %s and no value", what, i, s, ids[i])
			}
		}
	}
	idA, idB := store.SecretID(testSecretA), store.SecretID(testSecretB)
	check("created", created.GetSubscription(), idA)
	got, err := c.GetSubscription(ctx(t), &ledgerv1.GetSubscriptionRequest{Name: "hooks"})
	if err != nil {
		t.Fatal(err)
	}
	check("get", got.GetSubscription(), idA)
	list, err := c.ListSubscriptions(ctx(t), &ledgerv1.ListSubscriptionsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	check("list", list.GetSubscriptions()[0], idA)
	paused, err := c.PauseSubscription(ctx(t), &ledgerv1.PauseSubscriptionRequest{Name: "hooks"})
	if err != nil {
		t.Fatal(err)
	}
	check("pause", paused.GetSubscription(), idA)

	// Rotation: the read subscription sent back with a new secret added.
	upd := got.GetSubscription()
	upd.Secrets = append(upd.Secrets, &ledgerv1.SigningSecret{Secret: testSecretB})
	u, err := c.UpdateSubscription(ctx(t), &ledgerv1.UpdateSubscriptionRequest{Subscription: upd})
	if err != nil {
		t.Fatalf("update with a secret by id: %v", err)
	}
	check("updated", u.GetSubscription(), idA, idB)
	if !u.GetSubscription().GetSecrets()[0].GetCreatedAt().AsTime().Equal(created.GetSubscription().GetSecrets()[0].GetCreatedAt().AsTime()) {
		t.Errorf("kept secret's created_at moved: %v", u.GetSubscription().GetSecrets()[0])
	}

	// An id the subscription does not have is refused.
	upd.Secrets = []*ledgerv1.SigningSecret{{Id: "sec_0000000000000000"}}
	_, err = c.UpdateSubscription(ctx(t), &ledgerv1.UpdateSubscriptionRequest{Subscription: upd})
	if s := status.Convert(err); s.Code() != codes.InvalidArgument || !strings.Contains(s.Message(), "sec_0000000000000000") {
		t.Errorf("update with an unknown id = %v, want INVALID_ARGUMENT naming it", err)
	}

	// The store, as leases read it, holds both values.
	if _, err := c.ResumeSubscription(ctx(t), &ledgerv1.ResumeSubscriptionRequest{Name: "hooks"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Record(ctx(t), storetest.Typed("stripe", "evt_1", eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED)); err != nil {
		t.Fatal(err)
	}
	claimed, err := st.ClaimDeliveries(ctx(t), &ledgerv1.ClaimDeliveriesRequest{DispatcherId: "d", Limit: 1})
	if err != nil || len(claimed.GetLeases()) != 1 {
		t.Fatalf("claim = %v, %v", claimed, err)
	}
	secs := claimed.GetLeases()[0].GetSubscription().GetSecrets()
	if len(secs) != 2 || secs[0].GetSecret() != testSecretA || secs[1].GetSecret() != testSecretB {
		t.Errorf("lease secrets = %v, want both values", secs)
	}
}

// TestTestFilter: an expression against a given body and against a stored
// event; an expression that does not compile is INVALID_ARGUMENT with its
// position; an evaluation error is an answer; a missing event NOT_FOUND.
func TestTestFilter(t *testing.T) {
	t.Parallel()
	_, _, c := newServer(t)
	payload, err := structpb.NewValue(map[string]any{"ref": "refs/heads/main", "total": 150})
	if err != nil {
		t.Fatal(err)
	}
	given := func(expr string) *ledgerv1.TestFilterRequest {
		return &ledgerv1.TestFilterRequest{Filter: expr, Platform: "github", Payload: payload,
			Headers: map[string]string{"X-GitHub-Event": "push"}, Event: &eventv1.NormalizedEvent{SourceEventType: "push"}}
	}
	for expr, want := range map[string]bool{
		`payload.ref == "refs/heads/main" && payload.total > 100`:                              true,
		`source_type == "push" && platform == "github" && headers["x-github-event"] == "push"`: true,
		`payload.ref == "refs/heads/dev"`:                                                      false,
	} {
		resp, err := c.TestFilter(ctx(t), given(expr))
		if err != nil || resp.GetMatched() != want || resp.GetError() != "" || resp.GetCost() == 0 {
			t.Errorf("TestFilter(%s) = %v, %v; want matched %v with a cost", expr, resp, err, want)
		}
	}
	resp, err := c.TestFilter(ctx(t), given(`payload.nope == 1`))
	if err != nil || resp.GetMatched() || !strings.Contains(resp.GetError(), "no such key") {
		t.Errorf("TestFilter(missing key) = %v, %v; want the evaluation error", resp, err)
	}
	_, err = c.TestFilter(ctx(t), given(`event.nope == 1`))
	if s := status.Convert(err); s.Code() != codes.InvalidArgument || !strings.Contains(s.Message(), "1:6") {
		t.Errorf("TestFilter(unknown field) = %v, want INVALID_ARGUMENT with the position", err)
	}

	rec := storetest.Typed("stripe", "evt_1", eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED)
	rec.Receipt.Body = []byte(`{"id":"evt_1"}`)
	if _, err := c.Record(ctx(t), rec); err != nil {
		t.Fatal(err)
	}
	stored := &ledgerv1.TestFilterRequest{Platform: "stripe", EventId: "evt_1",
		Filter: `source_type == "payment_intent.succeeded" && payload.id == "evt_1" && headers["content-type"] == "application/json"`}
	if resp, err := c.TestFilter(ctx(t), stored); err != nil || !resp.GetMatched() {
		t.Errorf("TestFilter(stored) = %v, %v; want matched", resp, err)
	}
	stored.EventId = "evt_none"
	_, err = c.TestFilter(ctx(t), stored)
	wantCode(t, "TestFilter(missing event)", err, codes.NotFound)
}
