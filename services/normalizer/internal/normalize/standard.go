package normalize

import (
	"encoding/json"
	"strconv"
	"strings"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
)

// standardPayload is the body shape the Standard Webhooks spec recommends:
// {"type": "user.created", "timestamp": "2022-11-03T20:26:10.344522Z",
// "data": {...}}. timestamp is RFC 3339 by the spec; Clerk sends unix
// milliseconds, which jsonTime also reads, and Resend sends created_at
// instead. Clerk adds instance_id, the Clerk instance the event belongs to.
type standardPayload struct {
	Type       string          `json:"type"`
	Timestamp  jsonTime        `json:"timestamp"`
	CreatedAt  jsonTime        `json:"created_at"`
	InstanceID string          `json:"instance_id"`
	Data       json.RawMessage `json:"data"`
}

// standardData is what is read from data: the resource's id and, when it
// names one, the user it concerns.
type standardData struct {
	ID     jsonID `json:"id"`
	UserID jsonID `json:"user_id"`
}

// standardAdapter reads a Standard Webhooks payload for platform: the
// generic "standard" preset and the senders that use the format (Svix,
// Clerk, Resend), which differ only in their mapping rows. Required: a JSON
// object with "type"; data, when present, must be an object. Money is not
// read: the spec leaves amounts to each sender, and guessing whether
// "amount": 1999 is cents or dollars is how money goes wrong.
func standardAdapter(platform string) adapter {
	return func(r request, ev *eventv1.NormalizedEvent) error {
		return normalizeStandard(platform, r, ev)
	}
}

func normalizeStandard(platform string, r request, ev *eventv1.NormalizedEvent) error {
	var p standardPayload
	if err := decodeObject(platform, r.Body, &p); err != nil {
		return err
	}
	if p.Type == "" {
		return invalid(platform, "body has no type")
	}
	ev.SourceEventType = p.Type
	ev.EventType = eventType(platform, p.Type)
	if i := strings.LastIndex(p.Type, "."); i > 0 {
		ev.EntityType = p.Type[:i]
	}
	ev.TenantId = p.InstanceID
	if len(p.Data) > 0 && string(p.Data) != "null" {
		if !isObject(p.Data) {
			return invalid(platform, "data of %q is not an object", p.Type)
		}
		var d standardData
		if err := unmarshal(p.Data, &d); err != nil {
			return invalid(platform, "decode data of %q: %v", p.Type, err)
		}
		ev.EntityId = string(d.ID)
		if ev.EntityId == "" && ev.EntityType != "" && !strings.Contains(ev.EntityType, ".") {
			// Resend names the id after the resource: data.email_id
			// on email.* events.
			var named map[string]json.RawMessage
			_ = unmarshal(p.Data, &named) // p.Data is a valid object
			var id jsonID
			if raw, ok := named[ev.EntityType+"_id"]; ok {
				if err := unmarshal(raw, &id); err != nil {
					return invalid(platform, "decode data.%s_id of %q: %v", ev.EntityType, p.Type, err)
				}
			}
			ev.EntityId = string(id)
		}
		ev.UserId = string(d.UserID)
		if ev.EntityType == "user" || ev.EntityType == "customer" {
			ev.UserId = ev.EntityId
		}
	}
	// The body's own time is when the event happened; the signed
	// webhook-timestamp header is when this attempt was sent, the best
	// remaining guess.
	occurred(ev, firstTime(p.Timestamp.Time, p.CreatedAt.Time))
	if ev.OccurredAt == nil {
		ts := r.Header("webhook-timestamp")
		if ts == "" {
			ts = r.Header("svix-timestamp")
		}
		if n, err := strconv.ParseInt(ts, 10, 64); err == nil && n > 0 {
			occurred(ev, unixTime(n))
		}
	}
	return nil
}
