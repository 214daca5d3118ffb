package cli

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"sigs.k8s.io/yaml"

	handlerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/handler/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

// rejecter is a handler that refuses every event as invalid: its
// deliveries become dead letters at once.
type rejecter struct {
	handlerv1.UnimplementedEventHandlerServiceServer
}

func (rejecter) HandleEvent(context.Context, *handlerv1.HandleEventRequest) (*handlerv1.HandleEventResponse, error) {
	return nil, status.Error(codes.InvalidArgument, "rejected by the test")
}

// startRejecter serves rejecter on a free loopback port until the test
// ends and returns its address.
func startRejecter(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	handlerv1.RegisterEventHandlerServiceServer(srv, rejecter{})
	go srv.Serve(lis) //nolint:errcheck // ends with Stop
	t.Cleanup(srv.Stop)
	return lis.Addr().String()
}

// cliSystem is a running system and the environment that points the CLI
// at it.
type cliSystem struct {
	*runningSystem
	env map[string]string
}

// startCLISystem starts the system with an admin token and returns it
// with the CLI's environment for it.
func startCLISystem(t *testing.T) *cliSystem {
	t.Helper()
	s := startSystem(t, map[string]string{
		"HOOKMESH_DATA_DIR":      t.TempDir(),
		"HOOKMESH_ADMIN_TOKEN":   testAdminToken,
		"HOOKMESH_DISPATCHER_ID": "test-cli-" + t.Name(),
	})
	return &cliSystem{runningSystem: s, env: map[string]string{
		"HOOKMESH_LEDGER_TARGET": s.ledger.GRPCListener.Addr().String(),
		"HOOKMESH_ADMIN_TOKEN":   testAdminToken,
		"HOOKMESH_EDGE_URL":      s.edgeURL,
	}}
}

// cli runs hookmesh against the system and fails the test unless it
// exits 0; it returns stdout and stderr.
func (s *cliSystem) cli(t *testing.T, args ...string) (string, string) {
	t.Helper()
	out, errOut, code := runCLI(t, mapLookup(s.env), args...)
	if code != 0 {
		t.Fatalf("hookmesh %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out, errOut
}

// sendOne sends one webhook of platform and returns its event id.
func (s *cliSystem) sendOne(t *testing.T, platform string) string {
	t.Helper()
	out, _ := s.cli(t, "send", platform)
	f := strings.Fields(out)
	if len(f) < 3 || f[2] != "202" {
		t.Fatalf("send %s: %q", platform, out)
	}
	return f[1]
}

// ansiOrCR matches what must never reach a file or a pipe: colour and
// cursor codes, and the carriage returns of progress bars.
var ansiOrCR = regexp.MustCompile("\x1b\\[|\r")

// TestReadCommandsJSON runs every read command, and the write commands
// that print what they wrote, against a running system with --output
// json and yaml: each prints one document that parses (into its proto
// message where it is one). Table output and stderr, written to buffers
// that are not terminals, carry no ANSI code and no \r.
func TestReadCommandsJSON(t *testing.T) {
	s := startCLISystem(t)
	s.cli(t, "subscriptions", "create", "rejects", "--target", startRejecter(t), "--platform", "github",
		"--retry-downstream", "max_attempts=2,delay=1s")
	ids := map[string]string{}
	for _, p := range []string{"stripe", "github", "shopify"} {
		ids[p] = s.sendOne(t, p)
	}
	// A dead letter (github to the rejecting handler) and the stripe
	// event delivered to the example consumer.
	waitFor(t, "a dead letter", func() bool {
		out, _ := s.cli(t, "deadletters", "list", "-o", "json")
		return strings.Contains(out, ids["github"])
	})
	waitFor(t, "the stripe event delivered", func() bool {
		out, _ := s.cli(t, "deliveries", "list", "stripe", ids["stripe"], "-o", "json")
		return strings.Contains(out, "DELIVERY_STATE_DELIVERED")
	})

	cases := []struct {
		args []string
		into proto.Message // nil: not a proto message
	}{
		{[]string{"version"}, nil},
		{[]string{"events", "list"}, &ledgerv1.ListEventsResponse{}},
		{[]string{"events", "list", "--platform", "github", "--limit", "1"}, &ledgerv1.ListEventsResponse{}},
		{[]string{"events", "list", "--source-type", "payment_intent.succeeded", "--entity", "x", "--user", "y"}, &ledgerv1.ListEventsResponse{}},
		{[]string{"events", "get", "stripe", ids["stripe"]}, nil},
		{[]string{"deliveries", "list", "stripe", ids["stripe"]}, &ledgerv1.ListDeliveriesResponse{}},
		{[]string{"deadletters", "list"}, &ledgerv1.ListDeadLettersResponse{}},
		{[]string{"subscriptions", "list"}, &ledgerv1.ListSubscriptionsResponse{}},
		{[]string{"subscriptions", "get", "rejects"}, &ledgerv1.Subscription{}},
		{[]string{"subscriptions", "update", "rejects", "--max-concurrency", "4"}, &ledgerv1.Subscription{}},
		{[]string{"subscriptions", "pause", "rejects"}, &ledgerv1.Subscription{}},
		{[]string{"subscriptions", "resume", "rejects"}, &ledgerv1.Subscription{}},
		{[]string{"events", "renormalize"}, &ledgerv1.RenormalizeEventsResponse{}},
		{[]string{"events", "renormalize", "--platform", "stripe", "--event-id", ids["stripe"]}, &ledgerv1.RenormalizeEventsResponse{}},
	}
	for _, c := range cases {
		name := strings.Join(c.args, " ")
		out, errOut := s.cli(t, append(c.args, "--output", "json")...)
		if !json.Valid([]byte(out)) { // one value: two documents in a row are not valid
			t.Errorf("%s -o json: not one JSON document:\n%s", name, out)
			continue
		}
		if errOut != "" {
			t.Errorf("%s -o json: stderr %q, want nothing beside the document", name, errOut)
		}
		if c.into != nil {
			if err := protojson.Unmarshal([]byte(out), c.into); err != nil {
				t.Errorf("%s -o json: not a %T: %v", name, c.into, err)
			}
		}
		yout, _ := s.cli(t, append(c.args, "-o", "yaml")...)
		var v any
		if err := yaml.Unmarshal([]byte(yout), &v); err != nil || v == nil {
			t.Errorf("%s -o yaml: %v\n%s", name, err, yout)
		}
		tout, terr := s.cli(t, c.args...)
		for _, w := range []string{out, yout, tout, terr} {
			if ansiOrCR.MatchString(w) {
				t.Errorf("%s: ANSI code or \\r in output that is not a terminal: %q", name, w)
			}
		}
	}

	// events get: the body and headers are fields of the one document.
	out, _ := s.cli(t, "events", "get", "stripe", ids["stripe"], "-o", "json")
	var doc struct {
		Event struct {
			EventID string `json:"event_id"`
		} `json:"event"`
		Receipt struct{ Headers map[string]string } `json:"receipt"`
		Body    string                              `json:"body"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.Event.EventID != ids["stripe"] ||
		!strings.Contains(doc.Body, ids["stripe"]) || doc.Receipt.Headers["stripe-signature"] == "" {
		t.Errorf("events get -o json: %v\n%s", err, out)
	}

	// Paging: a table with more to come says how to get it, on stderr.
	_, hint := s.cli(t, "events", "list", "--limit", "1")
	token, ok := strings.CutPrefix(strings.TrimSpace(hint), "more: hookmesh events list --limit=1 --page-token ")
	if !ok || token == "" {
		t.Fatalf("events list --limit 1: stderr %q, want the next page's command", hint)
	}
	first, _ := s.cli(t, "events", "list", "--limit", "1", "-o", "json")
	second, _ := s.cli(t, "events", "list", "--limit", "1", "--page-token", token, "-o", "json")
	var p1, p2 ledgerv1.ListEventsResponse
	if protojson.Unmarshal([]byte(first), &p1) != nil || protojson.Unmarshal([]byte(second), &p2) != nil ||
		len(p1.GetEvents()) != 1 || len(p2.GetEvents()) != 1 || p1.GetEvents()[0].GetEventId() == p2.GetEvents()[0].GetEventId() {
		t.Errorf("the second page repeats the first or is missing:\n%s\n%s", first, second)
	}

	// send --count draws no progress bar into a buffer, and replay --all
	// none either.
	sout, serr := s.cli(t, "send", "slack", "--count", "5")
	rout, rerr := s.cli(t, "deadletters", "replay", "--all")
	for _, w := range []string{sout, serr, rout, rerr} {
		if ansiOrCR.MatchString(w) {
			t.Errorf("ANSI code or \\r in output that is not a terminal: %q", w)
		}
	}
	if !strings.Contains(rout, "replayed 1 dead letters") {
		t.Errorf("deadletters replay --all: %q", rout)
	}
	out, _ = s.cli(t, "subscriptions", "delete", "rejects", "--yes")
	if !strings.HasPrefix(out, "deleted subscription rejects; ") || !strings.Contains(out, "pending deliveries cancelled (kept in history)") {
		t.Errorf("subscriptions delete: %q", out)
	}
	if _, _, code := runCLI(t, mapLookup(s.env), "subscriptions", "get", "rejects"); code != 1 {
		t.Errorf("subscriptions get of a deleted subscription: exit %d, want 1", code)
	}
}

// TestNotTerminal: a pipe is not a terminal, so no progress bar is drawn
// into it.
func TestNotTerminal(t *testing.T) {
	t.Parallel()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if isTerminal(w) || isTerminal(r) || newProgress(w, 10, "x").on {
		t.Error("a pipe is taken for a terminal")
	}
}

// waitFor polls cond until it holds, failing after a generous deadline
// (a hang guard, not a measurement).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 60 s for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
