// Package standard is the generic Standard Webhooks sender
// (https://www.standardwebhooks.com): the scheme of package
// platform/stdwebhooks under the specification's webhook-* header names,
// the generic resource.verb mapping rows (which Svix's senders use too),
// and sample events.
package standard

import (
	"embed"

	"github.com/hookmesh/hookmesh/services/internal/platform/stdwebhooks"
)

//go:embed testdata
var testdata embed.FS

// scheme is Standard Webhooks under the webhook-* names.
var scheme = stdwebhooks.Scheme{Name: "standard", Names: stdwebhooks.WebhookNames}

// Platform is the generic Standard Webhooks sender, as the registry lists
// it.
var Platform = scheme.Platform(mapping, samples, testdata)
