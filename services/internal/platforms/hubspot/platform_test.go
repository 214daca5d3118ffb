package hubspot_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/hubspot"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, hubspot.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, hubspot.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, hubspot.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, hubspot.Platform) }
