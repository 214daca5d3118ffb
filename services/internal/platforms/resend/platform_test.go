package resend_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/resend"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, resend.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, resend.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, resend.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, resend.Platform) }
