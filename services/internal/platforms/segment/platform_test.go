package segment_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/segment"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, segment.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, segment.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, segment.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, segment.Platform) }
