package slack_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/slack"
)

// FuzzHeaders is the header fuzz target of Slack's sig.V0 scheme.
func FuzzHeaders(f *testing.F) { platformtest.FuzzV0(f, slack.Scheme) }
