package chaos

import (
	"testing"

	"github.com/hookmesh/hookmesh/tests/harness"
)

// TestMain removes the binaries TestChaos and TestReplicas share.
func TestMain(m *testing.M) { harness.Main(m) }
