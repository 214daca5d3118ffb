package intercom_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/intercom"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, intercom.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, intercom.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, intercom.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, intercom.Platform) }
