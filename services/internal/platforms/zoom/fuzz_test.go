package zoom_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/zoom"
)

// FuzzHeaders is the header fuzz target of Zoom's sig.V0 scheme.
func FuzzHeaders(f *testing.F) { platformtest.FuzzV0(f, zoom.Scheme) }
