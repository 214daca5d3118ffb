package e2e

import (
	"testing"

	"github.com/hookmesh/hookmesh/tests/harness"
)

// TestMain removes the binaries the systems of this package share.
func TestMain(m *testing.M) { harness.Main(m) }
