package woocommerce_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/woocommerce"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, woocommerce.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, woocommerce.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, woocommerce.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, woocommerce.Platform) }
