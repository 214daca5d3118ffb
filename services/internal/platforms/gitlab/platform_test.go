package gitlab_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/gitlab"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, gitlab.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, gitlab.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, gitlab.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, gitlab.Platform) }
