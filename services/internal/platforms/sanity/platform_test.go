package sanity_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/sanity"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, sanity.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, sanity.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, sanity.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, sanity.Platform) }
