package bitbucket_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/bitbucket"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, bitbucket.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, bitbucket.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, bitbucket.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, bitbucket.Platform) }
