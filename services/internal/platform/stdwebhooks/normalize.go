package stdwebhooks

import (
	"encoding/json"
	"strconv"
	"strings"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// payload is the body shape the Standard Webhooks spec recommends:
// {"type": "user.created", "timestamp": "2022-11-03T20:26:10.344522Z",
// "data": {...}}. timestamp is RFC 3339 by the spec; Clerk sends unix
// milliseconds, which norm.Time also reads, and Resend sends created_at
// instead. Clerk adds instance_id, the Clerk instance the event belongs to.
type payload struct {
	Type       string          `json:"type"`
	Timestamp  norm.Time       `json:"timestamp"`
	CreatedAt  norm.Time       `json:"created_at"`
	InstanceID string          `json:"instance_id"`
	Data       json.RawMessage `json:"data"`
}

// data is what is read from data: the resource's id and, when it names
// one, the user it concerns.
type data struct {
	ID     norm.ID `json:"id"`
	UserID norm.ID `json:"user_id"`
}

// Adapter reads a Standard Webhooks payload for platform, typed with
// mapping: the senders that use the format differ only in their rows.
// Required: a JSON object with "type"; data, when present, must be an
// object. Money is not read: the spec leaves amounts to each sender, and
// guessing whether "amount": 1999 is cents or dollars is how money goes
// wrong.
func Adapter(platform string, mapping map[string]eventv1.EventType) norm.Adapter {
	return func(r norm.Request, ev *eventv1.NormalizedEvent) error {
		return normalize(platform, mapping, r, ev)
	}
}

func normalize(platform string, mapping map[string]eventv1.EventType, r norm.Request, ev *eventv1.NormalizedEvent) error {
	var p payload
	if err := norm.DecodeObject(platform, r.Body, &p); err != nil {
		return err
	}
	if p.Type == "" {
		return norm.Invalid(platform, "body has no type")
	}
	ev.SourceEventType = p.Type
	ev.EventType = norm.Mapped(mapping, p.Type)
	if i := strings.LastIndex(p.Type, "."); i > 0 {
		ev.EntityType = p.Type[:i]
	}
	ev.TenantId = p.InstanceID
	if len(p.Data) > 0 && string(p.Data) != "null" {
		if !norm.IsObject(p.Data) {
			return norm.Invalid(platform, "data of %q is not an object", p.Type)
		}
		var d data
		if err := norm.Unmarshal(p.Data, &d); err != nil {
			return norm.Invalid(platform, "decode data of %q: %v", p.Type, err)
		}
		ev.EntityId = string(d.ID)
		if ev.EntityId == "" && ev.EntityType != "" && !strings.Contains(ev.EntityType, ".") {
			// Resend names the id after the resource: data.email_id
			// on email.* events.
			var named map[string]json.RawMessage
			_ = norm.Unmarshal(p.Data, &named) // p.Data is a valid object
			var id norm.ID
			if raw, ok := named[ev.EntityType+"_id"]; ok {
				if err := norm.Unmarshal(raw, &id); err != nil {
					return norm.Invalid(platform, "decode data.%s_id of %q: %v", ev.EntityType, p.Type, err)
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
	norm.Occurred(ev, norm.FirstTime(p.Timestamp.Time, p.CreatedAt.Time))
	if ev.OccurredAt == nil {
		ts := r.Header("webhook-timestamp")
		if ts == "" {
			ts = r.Header("svix-timestamp")
		}
		if n, err := strconv.ParseInt(ts, 10, 64); err == nil && n > 0 {
			norm.Occurred(ev, norm.UnixTime(n))
		}
	}
	return nil
}
