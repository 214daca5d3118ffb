package standard_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/standard"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, standard.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, standard.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, standard.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, standard.Platform) }
