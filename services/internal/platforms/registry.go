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
	"github.com/hookmesh/hookmesh/services/internal/platforms/adyen"
	"github.com/hookmesh/hookmesh/services/internal/platforms/bitbucket"
	"github.com/hookmesh/hookmesh/services/internal/platforms/calendly"
	"github.com/hookmesh/hookmesh/services/internal/platforms/clerk"
	"github.com/hookmesh/hookmesh/services/internal/platforms/coinbase"
	"github.com/hookmesh/hookmesh/services/internal/platforms/discord"
	"github.com/hookmesh/hookmesh/services/internal/platforms/docusign"
	"github.com/hookmesh/hookmesh/services/internal/platforms/github"
	"github.com/hookmesh/hookmesh/services/internal/platforms/gitlab"
	"github.com/hookmesh/hookmesh/services/internal/platforms/hubspot"
	"github.com/hookmesh/hookmesh/services/internal/platforms/intercom"
	"github.com/hookmesh/hookmesh/services/internal/platforms/jira"
	"github.com/hookmesh/hookmesh/services/internal/platforms/lemonsqueezy"
	"github.com/hookmesh/hookmesh/services/internal/platforms/linear"
	"github.com/hookmesh/hookmesh/services/internal/platforms/mailgun"
	"github.com/hookmesh/hookmesh/services/internal/platforms/mollie"
	"github.com/hookmesh/hookmesh/services/internal/platforms/mux"
	"github.com/hookmesh/hookmesh/services/internal/platforms/notion"
	"github.com/hookmesh/hookmesh/services/internal/platforms/okta"
	"github.com/hookmesh/hookmesh/services/internal/platforms/paddle"
	"github.com/hookmesh/hookmesh/services/internal/platforms/pagerduty"
	"github.com/hookmesh/hookmesh/services/internal/platforms/paypal"
	"github.com/hookmesh/hookmesh/services/internal/platforms/paystack"
	"github.com/hookmesh/hookmesh/services/internal/platforms/razorpay"
	"github.com/hookmesh/hookmesh/services/internal/platforms/resend"
	"github.com/hookmesh/hookmesh/services/internal/platforms/sanity"
	"github.com/hookmesh/hookmesh/services/internal/platforms/segment"
	"github.com/hookmesh/hookmesh/services/internal/platforms/sendgrid"
	"github.com/hookmesh/hookmesh/services/internal/platforms/sentry"
	"github.com/hookmesh/hookmesh/services/internal/platforms/shopify"
	"github.com/hookmesh/hookmesh/services/internal/platforms/slack"
	"github.com/hookmesh/hookmesh/services/internal/platforms/square"
	"github.com/hookmesh/hookmesh/services/internal/platforms/standard"
	"github.com/hookmesh/hookmesh/services/internal/platforms/stripe"
	"github.com/hookmesh/hookmesh/services/internal/platforms/svix"
	"github.com/hookmesh/hookmesh/services/internal/platforms/twilio"
	"github.com/hookmesh/hookmesh/services/internal/platforms/twitch"
	"github.com/hookmesh/hookmesh/services/internal/platforms/typeform"
	"github.com/hookmesh/hookmesh/services/internal/platforms/vercel"
	"github.com/hookmesh/hookmesh/services/internal/platforms/woocommerce"
	"github.com/hookmesh/hookmesh/services/internal/platforms/workos"
	"github.com/hookmesh/hookmesh/services/internal/platforms/zendesk"
	"github.com/hookmesh/hookmesh/services/internal/platforms/zoom"
)

// registry lists every platform package, one line each, sorted by name
// (TestRegistrySorted).
var registry = []platform.Platform{
	adyen.Platform,
	bitbucket.Platform,
	calendly.Platform,
	clerk.Platform,
	coinbase.Platform,
	discord.Platform,
	docusign.Platform,
	github.Platform,
	gitlab.Platform,
	hubspot.Platform,
	intercom.Platform,
	jira.Platform,
	lemonsqueezy.Platform,
	linear.Platform,
	mailgun.Platform,
	mollie.Platform,
	mux.Platform,
	notion.Platform,
	okta.Platform,
	paddle.Platform,
	pagerduty.Platform,
	paypal.Platform,
	paystack.Platform,
	razorpay.Platform,
	resend.Platform,
	sanity.Platform,
	segment.Platform,
	sendgrid.Platform,
	sentry.Platform,
	shopify.Platform,
	slack.Platform,
	square.Platform,
	standard.Platform,
	stripe.Platform,
	svix.Platform,
	twilio.Platform,
	twitch.Platform,
	typeform.Platform,
	vercel.Platform,
	woocommerce.Platform,
	workos.Platform,
	zendesk.Platform,
	zoom.Platform,
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
