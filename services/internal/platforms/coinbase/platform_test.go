package coinbase_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/coinbase"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, coinbase.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, coinbase.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, coinbase.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, coinbase.Platform) }
