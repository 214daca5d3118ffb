package ledger_test

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/target"
	"github.com/hookmesh/hookmesh/services/ledger"
)

// noDNS fails every lookup, as for a name with no record: the ledger's
// tests run it with this resolver, so that no subscription they create
// sends a DNS query off the machine.
type noDNS struct{}

func (noDNS) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	return nil, errors.New("no DNS in the ledger's tests")
}

// offlineTargets is the default allow list over noDNS.
var offlineTargets = target.Default().WithResolver(noDNS{})

// TestConfigTargetAllow: HOOKMESH_TARGET_ALLOW becomes the policy, the
// default when unset, and a malformed value is a configuration error that
// names the variable.
func TestConfigTargetAllow(t *testing.T) {
	t.Parallel()
	lookup := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	cfg, err := ledger.ConfigFromEnv(lookup(map[string]string{}))
	if err != nil || cfg.TargetAllow.String() != target.DefaultAllow {
		t.Errorf("unset: %v, %v; want %s", cfg.TargetAllow, err, target.DefaultAllow)
	}
	cfg, err = ledger.ConfigFromEnv(lookup(map[string]string{target.EnvVar: "10.0.0.0/8,*.svc.cluster.local"}))
	if err != nil || cfg.TargetAllow.String() != "10.0.0.0/8,*.svc.cluster.local" {
		t.Errorf("set: %v, %v", cfg.TargetAllow, err)
	}
	_, err = ledger.ConfigFromEnv(lookup(map[string]string{target.EnvVar: "private,169.254.0.0/16"}))
	if err == nil || !strings.Contains(err.Error(), target.EnvVar) || !strings.Contains(err.Error(), "always refused") {
		t.Errorf("malformed: %v, want a config error naming %s and the rule", err, target.EnvVar)
	}
}
