package seed_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/target"
	"github.com/hookmesh/hookmesh/services/ledger/internal/seed"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres/pgtest"
)

func TestLoadExample(t *testing.T) {
	t.Parallel()
	subs, err := seed.Load("testdata/subscriptions.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 2 {
		t.Fatalf("%d subscriptions, want 2", len(subs))
	}
	b := subs[0]
	if b.GetName() != "billing" || b.GetTarget() != "billing.internal:9000" || !slices.Equal(b.GetPlatforms(), []string{"stripe"}) ||
		!slices.Equal(b.GetEventTypes(), []eventv1.EventType{eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED, eventv1.EventType_EVENT_TYPE_PAYMENT_REFUNDED}) ||
		b.GetTimeout().AsDuration() != 10*time.Second || b.GetMaxConcurrency() != 8 {
		t.Errorf("billing = %v", b)
	}
	n := b.GetRetryPolicy().GetNetwork()
	if n.GetMaxAttempts() != 8 || n.GetDelay().AsDuration() != 2*time.Second || n.GetMaxDelay().AsDuration() != 10*time.Minute ||
		b.GetRetryPolicy().GetThrottled().GetDelay().AsDuration() != 90*time.Second {
		t.Errorf("billing retry policy = %v", b.GetRetryPolicy())
	}
	if subs[1].GetName() != "audit" || subs[1].GetTimeout() != nil {
		t.Errorf("audit = %v", subs[1])
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct{ doc, want string }{
		"not yaml":        {"subscriptions: [", "yaml"},
		"top-level typo":  {"subscription: []", "subscription"},
		"field typo":      {"subscriptions: [{name: a, target: t, timout: 1s}]", "timout"},
		"unknown enum":    {"subscriptions: [{name: a, target: t, event_types: [EVENT_TYPE_NOPE]}]", "EVENT_TYPE_NOPE"},
		"bad duration":    {"subscriptions: [{name: a, target: t, timeout: soon}]", "timeout"},
		"invalid name":    {"subscriptions: [{name: A, target: t}]", "subscriptions[0]"},
		"no target":       {"subscriptions: [{name: a}, {name: b}]", "target is required"},
		"duplicate name":  {"subscriptions: [{name: a, target: t}, {name: a, target: u}]", "subscriptions[1]"},
		"duplicate key":   {"subscriptions: [{name: a, name: b, target: t}]", "name"},
		"timestamps":      {"subscriptions: [{name: a, target: t, created_at: '2026-01-01T00:00:00Z'}]", "created_at"},
		"start_from":      {"subscriptions: [{name: a, target: t, start_from: '2026-01-01T00:00:00Z'}]", "start_from is not taken"},
		"list not a list": {"subscriptions: {name: a}", "subscriptions"},
	} {
		_, err := seed.Parse([]byte(tc.doc), nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Parse = %v, want an error mentioning %q", name, err, tc.want)
		}
	}
	if subs, err := seed.Parse([]byte("# nothing yet\n"), nil); err != nil || len(subs) != 0 {
		t.Errorf("empty file: %v, %v; want no subscriptions", subs, err)
	}
}

// TestParseChecksTargets: a target HOOKMESH_TARGET_ALLOW refuses stops the
// file, naming the entry and the rule; host names pass (they are not
// looked up at start) and a set list replaces the default.
func TestParseChecksTargets(t *testing.T) {
	t.Parallel()
	for doc, want := range map[string]string{
		"subscriptions: [{name: a, target: '169.254.169.254:80'}]":                          "subscriptions[0] (a): target 169.254.169.254:80: address 169.254.169.254 is link-local (always refused)",
		"subscriptions: [{name: a, target: 'unix:///tmp/x'}]":                               "subscriptions[0] (a): target unix:///tmp/x: scheme unix is not a TCP target",
		"subscriptions: [{name: a, target: '10.0.0.1:1'}, {name: b, target: '8.8.8.8:53'}]": "subscriptions[1] (b): target 8.8.8.8:53: address 8.8.8.8 is not in HOOKMESH_TARGET_ALLOW (loopback,private)",
		"subscriptions: [{name: a, target: 'http://127.0.0.1:3000/in'}]":                    "address 127.0.0.1 may not receive plain http://",
		"subscriptions: [{name: a, target: 'https://hooks.internal/in'}]":                   `subscriptions[0] (a): subscription "a": an HTTP target needs secrets`,
	} {
		if _, err := seed.Parse([]byte(doc), nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%s) = %v, want an error containing %q", doc, err, want)
		}
	}
	if _, err := seed.Parse([]byte("subscriptions: [{name: a, target: 'somewhere.example:443'}, {name: b, target: '127.0.0.1:9094'}]"), nil); err != nil {
		t.Errorf("host name and loopback: %v", err)
	}
	if _, err := seed.Parse([]byte("subscriptions: [{name: a, target: 'https://hooks.internal/in', payload: PAYLOAD_FORMAT_RAW, "+
		"secrets: [{secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw}]}]"), nil); err != nil {
		t.Errorf("an HTTP destination with a secret: %v", err)
	}
	only, err := target.ParsePolicy("*.svc.cluster.local")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Parse([]byte("subscriptions: [{name: a, target: '127.0.0.1:9094'}]"), only); err == nil ||
		!strings.Contains(err.Error(), "not in HOOKMESH_TARGET_ALLOW (*.svc.cluster.local)") {
		t.Errorf("loopback with a list without it: %v", err)
	}
}

func TestLoadNamesTheFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "subs.yaml")
	if err := os.WriteFile(path, []byte("subscriptions: [{name: x}]"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := seed.Load(path, nil)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "target") {
		t.Errorf("Load = %v, want the path and the problem", err)
	}
	_, err = seed.Load(filepath.Join(t.TempDir(), "missing.yaml"), nil)
	if err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("Load(missing) = %v", err)
	}
}

func TestApplyCreatesAndUpdates(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st := postgres.New(pgtest.NewPool(t))
	t.Cleanup(st.Close)
	v1, err := seed.Parse([]byte(`subscriptions:
  - {name: billing, target: "billing:1", platforms: [stripe]}
  - {name: audit, target: "audit:1"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Apply(ctx, st, v1); err != nil {
		t.Fatalf("Apply v1: %v", err)
	}
	// An operator pauses audit; the next start brings a new file.
	if _, err := st.PauseSubscription(ctx, &ledgerv1.PauseSubscriptionRequest{Name: "audit"}); err != nil {
		t.Fatal(err)
	}
	v2, err := seed.Parse([]byte(`subscriptions:
  - {name: billing, target: "billing:2", max_concurrency: 4, paused: true}
  - {name: audit, target: "audit:2"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Apply(ctx, st, v2); err != nil {
		t.Fatalf("Apply v2: %v", err)
	}
	list, err := st.ListSubscriptions(ctx, &ledgerv1.ListSubscriptionsRequest{})
	if err != nil || len(list.GetSubscriptions()) != 2 {
		t.Fatalf("List = %v, %v", list, err)
	}
	audit, billing := list.GetSubscriptions()[0], list.GetSubscriptions()[1]
	if audit.GetTarget() != "audit:2" || !audit.GetPaused() {
		t.Errorf("audit = %v, want the new target and the operator's pause kept", audit)
	}
	if billing.GetTarget() != "billing:2" || billing.GetMaxConcurrency() != 4 || len(billing.GetPlatforms()) != 0 || !billing.GetPaused() {
		t.Errorf("billing = %v, want the file's settings, paused by the file", billing)
	}
}
