package paddle_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/paddle"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, paddle.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, paddle.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, paddle.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, paddle.Platform) }
