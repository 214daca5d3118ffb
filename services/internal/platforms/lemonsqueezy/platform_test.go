package lemonsqueezy_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/lemonsqueezy"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, lemonsqueezy.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, lemonsqueezy.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, lemonsqueezy.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, lemonsqueezy.Platform) }
