package sendgrid_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/sendgrid"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, sendgrid.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, sendgrid.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, sendgrid.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, sendgrid.Platform) }
