package shopify_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/shopify"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, shopify.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, shopify.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, shopify.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, shopify.Platform) }
