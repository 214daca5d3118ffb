package paystack_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/paystack"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, paystack.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, paystack.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, paystack.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, paystack.Platform) }
