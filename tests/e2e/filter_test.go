package e2e

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/tests/harness"
)

// TestSubscriptionFilters: out of a mixed stream of Stripe and GitHub
// webhooks, a subscription filtering on source_type receives exactly the
// Stripe invoice.paid events, and one filtering on a payload field
// exactly the GitHub pushes to main; every event gets deliveries for
// exactly the subscriptions whose filters match; a misspelt field and a
// filter over an unknown field are 400s naming them. On PostgreSQL and on
// the embedded store (the ledger with no DATABASE_URL).
func TestSubscriptionFilters(t *testing.T) {
	t.Run("postgresql", func(t *testing.T) {
		checkFilters(t, harness.StartSystem(t, systemEnv()))
	})
	t.Run("embedded", func(t *testing.T) {
		checkFilters(t, harness.StartSystemEach(t, systemEnv(), map[string]map[string]string{
			"ledger": {"DATABASE_URL": "", "HOOKMESH_DATA_DIR": t.TempDir()},
		}))
	})
}

func checkFilters(t *testing.T, sys *harness.System) {
	invoices, pushes := harness.StartHandler(t, nil), harness.StartHandler(t, nil)
	create := func(body string) (int, string) {
		resp, err := http.Post("http://"+sys.AdminAddr+"/v1/subscriptions", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, string(readAll(resp))
	}
	if code, b := create(fmt.Sprintf(`{"name":"bad","target":%q,"filtre":"platform == \"x\""}`, invoices.Addr)); code != http.StatusBadRequest || !strings.Contains(b, "filtre") {
		t.Errorf("create with a misspelt field: %d %s, want 400 naming it", code, b)
	}
	if code, b := create(fmt.Sprintf(`{"name":"bad","target":%q,"filter":"event.amount.cents > 1"}`, invoices.Addr)); code != http.StatusBadRequest || !strings.Contains(b, "undefined field 'cents'") || !strings.Contains(b, "1:13") {
		t.Errorf("create with a filter over an unknown field: %d %s, want 400 with the CEL error and its position", code, b)
	}
	led := ledgerClient(t, sys)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, sub := range []*ledgerv1.Subscription{
		{Name: "invoices", Target: invoices.Addr, Filter: `source_type == "invoice.paid"`, Timeout: durationpb.New(5 * time.Second)},
		{Name: "pushes-to-main", Target: pushes.Addr, Platforms: []string{"github"},
			Filter: `source_type == "push" && payload.ref == "refs/heads/main"`, Timeout: durationpb.New(5 * time.Second)},
	} {
		if _, err := led.CreateSubscription(ctx, &ledgerv1.CreateSubscriptionRequest{Subscription: sub}); err != nil {
			t.Fatalf("create %s: %v", sub.GetName(), err)
		}
	}

	suffix := fmt.Sprint(time.Now().UnixNano())
	stripe := func(n int, typ string) webhook {
		id := fmt.Sprintf("evt_f%d_%s", n, suffix)
		return webhook{platform: "stripe", id: id, body: fmt.Sprintf(`{"id":%q,"object":"event","api_version":"2024-06-20","created":%d,"livemode":false,"type":%q,"data":{"object":{"id":"in_%d","object":"invoice","amount_paid":%d,"currency":"eur"}}}`,
			id, time.Now().Unix(), typ, n, 1000*n)}
	}
	github := func(n int, event, body string) webhook {
		return webhook{platform: "github", id: fmt.Sprintf("f%d-%s", n, suffix),
			headers: map[string]string{"X-GitHub-Event": event, "X-GitHub-Hook-ID": "412345678"}, body: body}
	}
	push := func(n int, ref string) webhook {
		return github(n, "push", fmt.Sprintf(`{"ref":%q,"before":"a","after":"b%d","repository":{"id":1296269,"full_name":"octocat/Hello-World"},"sender":{"id":583231,"login":"octocat"},"pusher":{"name":"octocat"}}`, ref, n))
	}
	stream := []webhook{
		stripe(1, "invoice.paid"), push(2, "refs/heads/main"), stripe(3, "invoice.created"), push(4, "refs/heads/dev"),
		stripe(5, "payment_intent.succeeded"), stripe(6, "invoice.paid"), push(7, "refs/heads/main"),
		github(8, "pull_request", `{"action":"opened","number":7,"pull_request":{"id":9,"number":7,"title":"x","user":{"id":1,"login":"o"}},"repository":{"id":1296269,"full_name":"octocat/Hello-World"},"sender":{"id":1,"login":"o"}}`),
		push(9, "refs/tags/v1"), stripe(10, "invoice.paid"),
	}
	want := map[string][]string{
		"invoices":       {stream[0].id, stream[5].id, stream[9].id},
		"pushes-to-main": {stream[1].id, stream[6].id},
	}
	for _, w := range stream {
		if resp, b := post(t, sys, w.platform, w.signed(t, time.Now()), w.body); resp.StatusCode != http.StatusAccepted {
			t.Fatalf("%s %s: %s %s", w.platform, w.id, resp.Status, b)
		}
	}
	// Deliveries are made when an event is recorded: each event has one for
	// exactly the filtered subscriptions that match it (and the seed's).
	for _, w := range stream {
		var got []string
		for _, d := range waitDelivered(t, sys, w.platform, w.id, 30*time.Second) {
			if d.GetSubscription() == "invoices" || d.GetSubscription() == "pushes-to-main" {
				got = append(got, d.GetSubscription())
			}
		}
		var exp []string
		for _, sub := range []string{"invoices", "pushes-to-main"} {
			if slices.Contains(want[sub], w.id) {
				exp = append(exp, sub)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, exp) {
			t.Errorf("%s %s: delivered to %v, want %v", w.platform, w.id, got, exp)
		}
	}
	// And the handlers received exactly those events, once each.
	for sub, h := range map[string]*harness.Handler{"invoices": invoices, "pushes-to-main": pushes} {
		var got []string
		for _, r := range h.Requests() {
			got = append(got, r.GetEvent().GetEventId())
		}
		slices.Sort(got)
		exp := slices.Sorted(slices.Values(want[sub]))
		if !slices.Equal(got, exp) {
			t.Errorf("%s's handler received %v, want %v", sub, got, exp)
		}
	}
}
