package twitch_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/twitch"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, twitch.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, twitch.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, twitch.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, twitch.Platform) }
