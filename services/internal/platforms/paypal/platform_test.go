package paypal_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/paypal"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, paypal.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, paypal.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, paypal.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, paypal.Platform) }
