package jira_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/jira"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, jira.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, jira.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, jira.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, jira.Platform) }
