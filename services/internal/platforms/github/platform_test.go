package github_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/github"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, github.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, github.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, github.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, github.Platform) }
