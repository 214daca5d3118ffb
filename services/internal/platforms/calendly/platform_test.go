package calendly_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/calendly"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, calendly.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, calendly.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, calendly.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, calendly.Platform) }
