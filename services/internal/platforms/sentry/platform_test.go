package sentry_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/sentry"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, sentry.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, sentry.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, sentry.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, sentry.Platform) }
