package clerk_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/clerk"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, clerk.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, clerk.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, clerk.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, clerk.Platform) }
