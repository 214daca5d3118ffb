// Package platforms is the registry of the webhook platforms defined as
// packages (one folder each, see docs/adding-a-platform.md): the one table
// the edge (verification, handshakes), eventkey (dedup keys), the
// normalizer and the CLI (`hookmesh send`) read. A platform not listed
// here is still served by the code that predates the registry, until it
// is moved.
package platforms

import (
	"slices"
	"strings"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platforms/bitbucket"
	"github.com/hookmesh/hookmesh/services/internal/platforms/github"
	"github.com/hookmesh/hookmesh/services/internal/platforms/gitlab"
	"github.com/hookmesh/hookmesh/services/internal/platforms/intercom"
	"github.com/hookmesh/hookmesh/services/internal/platforms/linear"
	"github.com/hookmesh/hookmesh/services/internal/platforms/paddle"
	"github.com/hookmesh/hookmesh/services/internal/platforms/shopify"
	"github.com/hookmesh/hookmesh/services/internal/platforms/slack"
	"github.com/hookmesh/hookmesh/services/internal/platforms/stripe"
	"github.com/hookmesh/hookmesh/services/internal/platforms/zendesk"
)

// registry lists every platform package, one line each, sorted by name
// (TestRegistrySorted).
var registry = []platform.Platform{
	bitbucket.Platform,
	github.Platform,
	gitlab.Platform,
	intercom.Platform,
	linear.Platform,
	paddle.Platform,
	shopify.Platform,
	slack.Platform,
	stripe.Platform,
	zendesk.Platform,
}

// All returns the registered platforms, sorted by name. The slice is a
// copy the caller may keep.
func All() []platform.Platform { return slices.Clone(registry) }

// Names returns the names of the registered platforms, sorted.
func Names() []string {
	names := make([]string, len(registry))
	for i, p := range registry {
		names[i] = p.Name
	}
	return names
}

// Lookup returns the registered platform called name (exact, lower case,
// as in the URL path).
func Lookup(name string) (platform.Platform, bool) {
	i, ok := slices.BinarySearchFunc(registry, name, func(p platform.Platform, name string) int {
		return strings.Compare(p.Name, name)
	})
	if !ok {
		return platform.Platform{}, false
	}
	return registry[i], true
}
