package pagerduty_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/pagerduty"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, pagerduty.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, pagerduty.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, pagerduty.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, pagerduty.Platform) }
