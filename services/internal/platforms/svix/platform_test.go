package svix_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/svix"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, svix.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, svix.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, svix.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, svix.Platform) }
