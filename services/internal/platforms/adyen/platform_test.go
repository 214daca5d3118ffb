package adyen_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/adyen"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, adyen.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, adyen.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, adyen.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, adyen.Platform) }
