package workos_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/workos"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, workos.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, workos.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, workos.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, workos.Platform) }
