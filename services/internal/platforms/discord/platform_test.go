package discord_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/discord"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, discord.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, discord.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, discord.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, discord.Platform) }
