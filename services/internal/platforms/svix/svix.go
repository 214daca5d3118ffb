// Package svix is Svix, the webhook sending service: Standard Webhooks
// (package platform/stdwebhooks) under the svix-* header names. Svix is a
// transport: it delivers its customers' own events, whose types are read
// with the generic Standard Webhooks rows (package standard's mapping).
package svix

import (
	"embed"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/stdwebhooks"
	"github.com/hookmesh/hookmesh/services/internal/platforms/standard"
)

//go:embed testdata
var testdata embed.FS

// scheme is Standard Webhooks under the svix-* names.
var scheme = stdwebhooks.Scheme{Name: "svix", Names: stdwebhooks.SvixNames}

// Platform is Svix, as the registry lists it.
var Platform = scheme.Platform(standard.Platform.Mapping, samples, testdata)

// samples are the events `hookmesh send` builds for a Svix sender.
var samples = scheme.Samples("order.created", templates)

var templates = map[string]platform.Template{
	"payment.succeeded": stdwebhooks.Event("payment.succeeded", `{"id": "pay_%[1]s", "user_id": "usr_8812", "amount": 1999, "currency": "USD"}`),
	"order.created":     stdwebhooks.Event("order.created", `{"id": "ord_%[1]s", "user_id": "usr_8812", "amount": 5997, "currency": "USD", "items": 3}`),
}
