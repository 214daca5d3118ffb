package mailgun_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/mailgun"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, mailgun.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, mailgun.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, mailgun.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, mailgun.Platform) }
