package dispatcher

import (
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/target"
)

// TestConfigTargetAllow: HOOKMESH_TARGET_ALLOW becomes the pool's policy,
// the default when unset, and a malformed value stops the start naming
// the variable.
func TestConfigTargetAllow(t *testing.T) {
	t.Parallel()
	lookup := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	cfg, err := ConfigFromEnv(lookup(nil))
	if err != nil || cfg.TargetAllow.String() != target.DefaultAllow {
		t.Errorf("unset: %v, %v; want %s", cfg.TargetAllow, err, target.DefaultAllow)
	}
	cfg, err = ConfigFromEnv(lookup(map[string]string{target.EnvVar: "*.svc.cluster.local, 10.0.0.0/8"}))
	if err != nil || cfg.TargetAllow.String() != "*.svc.cluster.local,10.0.0.0/8" {
		t.Errorf("set: %v, %v", cfg.TargetAllow, err)
	}
	if _, err := cfg.TargetAllow.Check("127.0.0.1:9094"); err == nil {
		t.Error("a set list still allows loopback; it must replace the default")
	}
	_, err = ConfigFromEnv(lookup(map[string]string{target.EnvVar: "loopback,*"}))
	if err == nil || !strings.Contains(err.Error(), target.EnvVar) {
		t.Errorf("malformed: %v, want a config error naming %s", err, target.EnvVar)
	}
}
