package zoom_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/zoom"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, zoom.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, zoom.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, zoom.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, zoom.Platform) }
