package twilio_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/twilio"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, twilio.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, twilio.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, twilio.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, twilio.Platform) }
