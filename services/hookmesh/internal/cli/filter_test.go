package cli

import (
	"strings"
	"testing"
)

// TestSubscriptionFilterCommands: --filter on create and update reaches the
// ledger and shows in get; a filter that does not compile is refused with
// its position; test-filter evaluates against a stored event and a body.
func TestSubscriptionFilterCommands(t *testing.T) {
	s := startCLISystem(t)
	s.cli(t, "subscriptions", "create", "invoices", "--target", startRejecter(t), "--filter", `source_type == "invoice.paid"`)
	out, _ := s.cli(t, "subscriptions", "get", "invoices")
	if !strings.Contains(out, `source_type == "invoice.paid"`) {
		t.Errorf("get after create --filter: %q", out)
	}
	s.cli(t, "subscriptions", "update", "invoices", "--filter", `platform == "stripe"`)
	out, _ = s.cli(t, "subscriptions", "get", "invoices", "-o", "json")
	if !strings.Contains(out, `platform == \"stripe\"`) {
		t.Errorf("get after update --filter: %q", out)
	}
	_, stderr, code := runCLI(t, mapLookup(s.env), "subscriptions", "update", "invoices", "--filter", `event.nope == 1`)
	if code == 0 || !strings.Contains(stderr, "undefined field 'nope'") || !strings.Contains(stderr, "1:6") {
		t.Errorf("update --filter with an unknown field: exit %d, %q; want the CEL error with its position", code, stderr)
	}

	id := s.sendOne(t, "stripe")
	out, _ = s.cli(t, "subscriptions", "test-filter", `platform == "stripe" && event.event_id == "`+id+`"`, "--platform", "stripe", "--event-id", id)
	if !strings.Contains(out, "matched: true") {
		t.Errorf("test-filter on the stored event: %q", out)
	}
	out, _ = s.cli(t, "subscriptions", "test-filter", `payload.ref == "refs/heads/main" && headers["x-github-event"] == "push"`,
		"--platform", "github", "--body", `{"ref":"refs/heads/dev"}`, "--header", "X-GitHub-Event: push")
	if !strings.Contains(out, "matched: false") {
		t.Errorf("test-filter on a body: %q", out)
	}
}
