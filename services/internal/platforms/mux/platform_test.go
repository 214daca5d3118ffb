package mux_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/mux"
)

func TestPlatform(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, mux.Platform)
}

func TestGoldens(t *testing.T) {
	t.Parallel()
	platformtest.Goldens(t, mux.Platform)
}

func FuzzVerify(f *testing.F)    { platformtest.FuzzVerify(f, mux.Platform) }
func FuzzNormalize(f *testing.F) { platformtest.FuzzNormalize(f, mux.Platform) }
