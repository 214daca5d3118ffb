package square_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/square"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, square.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, square.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, square.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, square.Platform) }
