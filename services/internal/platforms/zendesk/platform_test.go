package zendesk_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/zendesk"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, zendesk.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, zendesk.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, zendesk.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, zendesk.Platform) }
