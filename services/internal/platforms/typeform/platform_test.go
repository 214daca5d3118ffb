package typeform_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/typeform"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, typeform.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, typeform.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, typeform.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, typeform.Platform) }
