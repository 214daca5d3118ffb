package storetest

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// Secrets in the Standard Webhooks form: whsec_ and the base64 of 24 to
// 64 bytes.
const (
	secretA = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" // 27 bytes
	secretB = "whsec_c2Vjb25kLXNlY3JldC1vZi10aGlydHktdHdvLWJ5dGVz"
)

// shapedSubscription sets every field of #15.
func shapedSubscription(name string) *ledgerv1.Subscription {
	sub := Subscription(name)
	sub.Target = "https://hooks.example.test/in"
	sub.Filter = `source_type == "invoice.paid" && event.amount.minor_units > 10000`
	sub.Rate = &ledgerv1.Rate{PerSecond: 20, Burst: 5}
	sub.OrderingKey = `event.entity_id`
	sub.StartFrom = timestamppb.New(base)
	sub.Payload = ledgerv1.PayloadFormat_PAYLOAD_FORMAT_RAW
	sub.Secrets = []*ledgerv1.SigningSecret{
		{Secret: secretA, ExpiresAt: timestamppb.New(base.Add(24 * time.Hour))},
		{Secret: secretB},
	}
	return sub
}

// checkShape compares the fields of #15 of got with those of want (the
// request), and checks the secrets' ids and creation times.
func checkShape(t *testing.T, what string, got, want *ledgerv1.Subscription) {
	t.Helper()
	if got.GetFilter() != want.GetFilter() || got.GetOrderingKey() != want.GetOrderingKey() ||
		got.GetPayload() != want.GetPayload() || !proto.Equal(got.GetRate(), want.GetRate()) ||
		!sameTime(got.GetStartFrom(), want.GetStartFrom()) {
		t.Errorf("%s = %v, want the shape of %v", what, got, want)
	}
	if len(got.GetSecrets()) != len(want.GetSecrets()) {
		t.Fatalf("%s: %d secrets, want %d", what, len(got.GetSecrets()), len(want.GetSecrets()))
	}
	for i, s := range got.GetSecrets() {
		w := want.GetSecrets()[i]
		if s.GetSecret() != w.GetSecret() || s.GetId() != store.SecretID(w.GetSecret()) || s.GetCreatedAt() == nil ||
			!sameTime(s.GetExpiresAt(), w.GetExpiresAt()) || (w.GetCreatedAt() != nil && !sameTime(s.GetCreatedAt(), w.GetCreatedAt())) {
			t.Errorf("%s: secrets[%d] = %v, want %v with its id and a creation time", what, i, s, w)
		}
	}
}

// sameTime compares optional times at the microsecond the stores keep.
func sameTime(a, b *timestamppb.Timestamp) bool {
	return (a == nil) == (b == nil) && a.AsTime().Truncate(time.Microsecond).Equal(b.AsTime().Truncate(time.Microsecond))
}

// testSubscriptionShape: every field of #15 round-trips through Create,
// Get, List, Update, Upsert and a lease; Update replaces each.
func testSubscriptionShape(t *testing.T, s store.Store) {
	in := shapedSubscription("billing")
	created := mustCreate(t, s, in)
	checkShape(t, "created", created, in)
	g, err := s.GetSubscription(ctx(t), &ledgerv1.GetSubscriptionRequest{Name: "billing"})
	if err != nil || !proto.Equal(g.GetSubscription(), created) {
		t.Errorf("Get = %v, %v; want %v", g, err, created)
	}
	list, err := s.ListSubscriptions(ctx(t), &ledgerv1.ListSubscriptionsRequest{})
	if err != nil || len(list.GetSubscriptions()) != 1 || !proto.Equal(list.GetSubscriptions()[0], created) {
		t.Errorf("List = %v, %v; want %v", list, err, created)
	}

	// Burst 0 takes its default, ceil(per_second).
	upd := shapedSubscription("billing")
	upd.Filter = `payload.ref == "refs/heads/main"`
	upd.Rate = &ledgerv1.Rate{PerSecond: 2.5}
	upd.OrderingKey = ""
	upd.StartFrom = nil
	upd.Payload = ledgerv1.PayloadFormat_PAYLOAD_FORMAT_NORMALIZED
	upd.Secrets = upd.Secrets[1:]
	u, err := s.UpdateSubscription(ctx(t), &ledgerv1.UpdateSubscriptionRequest{Subscription: upd})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	upd.Rate.Burst = 3
	checkShape(t, "updated", u.GetSubscription(), upd)
	g, err = s.GetSubscription(ctx(t), &ledgerv1.GetSubscriptionRequest{Name: "billing"})
	if err != nil || !proto.Equal(g.GetSubscription(), u.GetSubscription()) {
		t.Errorf("Get after update = %v, %v; want %v", g, err, u.GetSubscription())
	}

	// The seed file's upsert writes them too, and an unchanged file
	// rewrites nothing.
	seeded := shapedSubscription("seeded") // secrets without times, as in a file
	first, err := s.UpsertSubscription(ctx(t), seeded)
	if err != nil {
		t.Fatalf("Upsert: %v", err)
	}
	checkShape(t, "upserted", first, seeded)
	again, err := s.UpsertSubscription(ctx(t), shapedSubscription("seeded"))
	if err != nil || !again.GetUpdatedAt().AsTime().Equal(first.GetUpdatedAt().AsTime()) ||
		!proto.Equal(again.GetSecrets()[0], first.GetSecrets()[0]) {
		t.Errorf("Upsert(same) = %v, %v; want the row unchanged (updated_at %v)", again, err, first.GetUpdatedAt().AsTime())
	}

	// A clear subscription reads back with none of them.
	plain := mustCreate(t, s, Subscription("plain"))
	checkShape(t, "plain", plain, Subscription("plain"))
}

func testSubscriptionShapeInvalid(t *testing.T, s store.Store) {
	mod := func(f func(*ledgerv1.Subscription)) *ledgerv1.Subscription {
		sub := shapedSubscription("ok")
		f(sub)
		return sub
	}
	for name, c := range map[string]struct {
		sub  *ledgerv1.Subscription
		says string
	}{
		"filter syntax":        {mod(func(s *ledgerv1.Subscription) { s.Filter = `source_type ==` }), "1:15"},
		"filter unknown field": {mod(func(s *ledgerv1.Subscription) { s.Filter = `event.nope == "x"` }), "undefined field 'nope'"},
		"filter not bool":      {mod(func(s *ledgerv1.Subscription) { s.Filter = `source_type` }), "bool"},
		"key not string":       {mod(func(s *ledgerv1.Subscription) { s.OrderingKey = `event.amount.minor_units` }), "string"},
		"rate zero":            {mod(func(s *ledgerv1.Subscription) { s.Rate = &ledgerv1.Rate{} }), "per_second"},
		"burst negative":       {mod(func(s *ledgerv1.Subscription) { s.Rate.Burst = -1 }), "burst"},
		"payload unknown":      {mod(func(s *ledgerv1.Subscription) { s.Payload = 9 }), "payload"},
		"secret on grpc":       {mod(func(s *ledgerv1.Subscription) { s.Target = "handler:9000" }), "http"},
		"secret short":         {mod(func(s *ledgerv1.Subscription) { s.Secrets[0].Secret = "whsec_c2hvcnQ=" }), "24 to 64"},
		"secret no prefix":     {mod(func(s *ledgerv1.Subscription) { s.Secrets[0].Secret = strings.TrimPrefix(secretA, "whsec_") }), "whsec_"},
		"secret twice":         {mod(func(s *ledgerv1.Subscription) { s.Secrets[1].Secret = secretA }), "twice"},
		"secret unknown id":    {mod(func(s *ledgerv1.Subscription) { s.Secrets[0] = &ledgerv1.SigningSecret{Id: "sec_00"} }), "sec_00"},
	} {
		_, err := s.CreateSubscription(ctx(t), &ledgerv1.CreateSubscriptionRequest{Subscription: c.sub})
		wantErr(t, "Create("+name+")", err, apperr.ErrInvalid)
		if err != nil && !strings.Contains(err.Error(), c.says) {
			t.Errorf("Create(%s) = %q, want it to say %q", name, err, c.says)
		}
	}
}
