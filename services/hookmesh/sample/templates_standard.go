package sample

import (
	"fmt"
	"net/http"
	"time"
)

// Standard Webhooks senders: any "standard" sender, and Svix with the
// platforms that deliver through it (Clerk, Resend). The id, timestamp and
// signature headers come from Sign; the body carries the type.

var standardTemplates = map[string]template{
	"user.created":   standardEvent("user.created", `{"id": "user_%[1]s", "email_addresses": [{"email_address": "example@example.org"}], "first_name": "Example", "last_name": "Example", "created_at": %[2]d}`),
	"invoice.paid":   standardEvent("invoice.paid", `{"id": "inv_%[1]s", "amount": "49.90", "currency": "EUR", "customer": "cust_8841"}`),
	"payment.failed": standardEvent("payment.failed", `{"id": "pay_%[1]s", "user_id": "usr_8812", "amount": 4990, "currency": "EUR", "failure_reason": "card_declined"}`),
}

var svixTemplates = map[string]template{
	"payment.succeeded": standardEvent("payment.succeeded", `{"id": "pay_%[1]s", "user_id": "usr_8812", "amount": 1999, "currency": "USD"}`),
	"order.created":     standardEvent("order.created", `{"id": "ord_%[1]s", "user_id": "usr_8812", "amount": 5997, "currency": "USD", "items": 3}`),
}

var clerkTemplates = map[string]template{
	"user.created":    clerkEvent("user.created", `{"id": "user_%[1]s", "object": "user", "first_name": "Example", "last_name": "Example", "username": null, "image_url": "https://img.clerk.com/xxxxxx", "has_image": false, "created_at": %[2]d, "updated_at": %[2]d, "last_sign_in_at": null, "primary_email_address_id": "idn_29w83yL7CwVlJXylYLxcslromF1", "primary_phone_number_id": null, "email_addresses": [{"id": "idn_29w83yL7CwVlJXylYLxcslromF1", "object": "email_address", "email_address": "example@example.org", "verification": {"status": "verified", "strategy": "ticket"}, "linked_to": []}], "phone_numbers": [], "external_accounts": [], "external_id": "567772", "public_metadata": {}, "private_metadata": {}, "unsafe_metadata": {}, "two_factor_enabled": false, "password_enabled": true}`),
	"session.created": clerkEvent("session.created", `{"id": "sess_%[1]s", "object": "session", "status": "active", "user_id": "user_29w83sxmDNGwOuEthce5gg56FcC", "client_id": "client_2dJ1Kw9ZqLt6uPn4bV8cX1mR3yE", "last_active_at": %[2]d, "expire_at": %[2]d, "abandon_at": %[2]d, "created_at": %[2]d, "updated_at": %[2]d}`),
}

var resendTemplates = map[string]template{
	"email.delivered": resendEvent("email.delivered"),
	"email.sent":      resendEvent("email.sent"),
}

// standardEvent renders a Standard Webhooks payload; in data, %[1]s is a
// fresh object id and %[2]d now in unix milliseconds.
func standardEvent(typ, data string) template {
	return func(_ string, now time.Time) (string, http.Header) {
		return fmt.Sprintf(`{"type": "%s", "timestamp": "%s", "data": %s}`,
			typ, now.UTC().Format(time.RFC3339Nano), fmt.Sprintf(data, alnum(27), now.UnixMilli())), nil
	}
}

// clerkEvent renders a Clerk event: timestamps are unix milliseconds.
func clerkEvent(typ, data string) template {
	return func(_ string, now time.Time) (string, http.Header) {
		return fmt.Sprintf(`{"data": %s, "event_attributes": {"http_request": {"client_ip": "203.0.113.7", "user_agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)"}}, "instance_id": "ins_2c4mXb6qgUF5mrkR2J6H1Zxg2Wl", "object": "event", "timestamp": %d, "type": "%s"}`,
			fmt.Sprintf(data, alnum(27), now.UnixMilli()), now.UnixMilli(), typ), nil
	}
}

// resendEvent renders a Resend email event.
func resendEvent(typ string) template {
	return func(_ string, now time.Time) (string, http.Header) {
		return fmt.Sprintf(`{"type": "%s", "created_at": "%s", "data": {"created_at": "%s", "email_id": "%s", "from": "Acme <onboarding@resend.dev>", "to": ["delivered@resend.dev"], "subject": "Your receipt", "tags": {"category": "receipt"}}}`,
			typ, now.UTC().Format("2006-01-02T15:04:05.000Z"), now.UTC().Format("2006-01-02 15:04:05.000000+00"), uuid()), nil
	}
}
