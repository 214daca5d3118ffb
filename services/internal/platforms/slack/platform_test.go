package slack_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/slack"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, slack.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, slack.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, slack.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, slack.Platform) }
