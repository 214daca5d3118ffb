package razorpay_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/razorpay"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, razorpay.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, razorpay.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, razorpay.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, razorpay.Platform) }
