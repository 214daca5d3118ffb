package vercel_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/vercel"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, vercel.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, vercel.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, vercel.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, vercel.Platform) }
