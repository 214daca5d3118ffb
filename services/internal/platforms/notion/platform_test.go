package notion_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/notion"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, notion.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, notion.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, notion.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, notion.Platform) }
