package mollie_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/mollie"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, mollie.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, mollie.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, mollie.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, mollie.Platform) }
