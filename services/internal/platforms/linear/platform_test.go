package linear_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/linear"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, linear.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, linear.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, linear.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, linear.Platform) }
