package okta_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/okta"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, okta.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, okta.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, okta.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, okta.Platform) }
