package standard

import (
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/stdwebhooks"
)

// samples are the events `hookmesh send` builds for a generic Standard
// Webhooks sender.
var samples = scheme.Samples("user.created", templates)

var templates = map[string]platform.Template{
	"user.created":   stdwebhooks.Event("user.created", `{"id": "user_%[1]s", "email_addresses": [{"email_address": "example@example.org"}], "first_name": "Example", "last_name": "Example", "created_at": %[2]d}`),
	"invoice.paid":   stdwebhooks.Event("invoice.paid", `{"id": "inv_%[1]s", "amount": "49.90", "currency": "EUR", "customer": "cust_8841"}`),
	"payment.failed": stdwebhooks.Event("payment.failed", `{"id": "pay_%[1]s", "user_id": "usr_8812", "amount": 4990, "currency": "EUR", "failure_reason": "card_declined"}`),
}
