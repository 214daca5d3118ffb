package docusign_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/docusign"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, docusign.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, docusign.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, docusign.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, docusign.Platform) }
