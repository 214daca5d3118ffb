// Package resend is Resend, which sends its webhooks through Svix:
// Standard Webhooks (package platform/stdwebhooks) under the svix-*
// header names, and sample email events. Resend's email.* and contact.*
// (mailing-list contacts, not users) events are all unmapped; an email
// event names its id data.email_id, which the adapter reads.
package resend

import (
	"embed"
	"fmt"
	"net/http"
	"time"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
	"github.com/hookmesh/hookmesh/services/internal/platform/stdwebhooks"
)

//go:embed testdata
var testdata embed.FS

// scheme is Standard Webhooks under the svix-* names.
var scheme = stdwebhooks.Scheme{Name: "resend", Names: stdwebhooks.SvixNames}

// Platform is Resend, as the registry lists it.
var Platform = scheme.Platform(map[string]eventv1.EventType{}, samples, testdata)

// samples are the Resend email events `hookmesh send` builds.
var samples = scheme.Samples("email.delivered", templates)

var templates = map[string]platform.Template{
	"email.delivered": event("email.delivered"),
	"email.sent":      event("email.sent"),
}

// event renders a Resend email event.
func event(typ string) platform.Template {
	return func(_ string, now time.Time) (string, http.Header) {
		return fmt.Sprintf(`{"type": "%s", "created_at": "%s", "data": {"created_at": "%s", "email_id": "%s", "from": "Acme <onboarding@resend.dev>", "to": ["delivered@resend.dev"], "subject": "Your receipt", "tags": {"category": "receipt"}}}`,
			typ, now.UTC().Format("2006-01-02T15:04:05.000Z"), now.UTC().Format("2006-01-02 15:04:05.000000+00"), randid.UUID()), nil
	}
}
