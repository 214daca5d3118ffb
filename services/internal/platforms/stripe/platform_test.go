package stripe_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/stripe"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, stripe.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, stripe.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, stripe.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, stripe.Platform) }
