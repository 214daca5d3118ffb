package cli

import (
	"strings"
	"testing"
)

// TestSubscriptionRateAndOrderingCommands: --rate and --ordering-key on
// create and update reach the ledger and show in get; "" removes them; a
// malformed rate is a usage error, an out-of-range rate and a key that is
// not a string are the ledger's refusals.
func TestSubscriptionRateAndOrderingCommands(t *testing.T) {
	s := startCLISystem(t)
	s.cli(t, "subscriptions", "create", "orders", "--target", startRejecter(t), "--rate", "20:40", "--ordering-key", "event.entity_id")
	out, _ := s.cli(t, "subscriptions", "get", "orders")
	if !strings.Contains(out, "20/s, burst 40") || !strings.Contains(out, "event.entity_id") {
		t.Errorf("get after create --rate --ordering-key: %q", out)
	}
	s.cli(t, "subscriptions", "update", "orders", "--rate", "2.5")
	out, _ = s.cli(t, "subscriptions", "get", "orders")
	if !strings.Contains(out, "2.5/s, burst 3") {
		t.Errorf("get after update --rate 2.5 (burst: ceil): %q", out)
	}
	s.cli(t, "subscriptions", "update", "orders", "--rate", "", "--ordering-key", "")
	out, _ = s.cli(t, "subscriptions", "get", "orders", "-o", "json")
	if !strings.Contains(out, `"rate": null`) || !strings.Contains(out, `"ordering_key": ""`) {
		t.Errorf("get after clearing rate and key: %q", out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--rate", "fast"}, `per_second "fast" is not a number`},
		{[]string{"--rate", "20:x"}, `burst "x" is not a whole number`},
		{[]string{"--rate", "0"}, "rate.per_second"},
		{[]string{"--ordering-key", "event.amount.minor_units"}, "ordering_key must be a string"},
	} {
		args := append([]string{"subscriptions", "update", "orders"}, c.args...)
		if _, stderr, code := runCLI(t, mapLookup(s.env), args...); code == 0 || !strings.Contains(stderr, c.want) {
			t.Errorf("update %v: exit %d, %q; want %q", c.args, code, stderr, c.want)
		}
	}
}
