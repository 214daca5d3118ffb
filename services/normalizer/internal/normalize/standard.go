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
// milliseconds, which jsonTime also reads.
type standardPayload struct {
	Type      string          `json:"type"`
	Timestamp jsonTime        `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
}

// standardData is what is read from data: the resource's id and, when it
// names one, the user it concerns.
type standardData struct {
	ID     jsonID `json:"id"`
	UserID jsonID `json:"user_id"`
}

// normalizeStandard reads a Standard Webhooks payload. Required: a JSON
// object with "type"; data, when present, must be an object. Money is not
// read: the spec leaves amounts to each sender, and guessing whether
// "amount": 1999 is cents or dollars is how money goes wrong.
func normalizeStandard(r request, ev *eventv1.NormalizedEvent) error {
	var p standardPayload
	if err := decodeObject("standard", r.body, &p); err != nil {
		return err
	}
	if p.Type == "" {
		return invalid("standard", "body has no type")
	}
	ev.SourceEventType = p.Type
	ev.EventType = eventType("standard", p.Type)
	if i := strings.LastIndex(p.Type, "."); i > 0 {
		ev.EntityType = p.Type[:i]
	}
	if len(p.Data) > 0 && string(p.Data) != "null" {
		if !isObject(p.Data) {
			return invalid("standard", "data of %q is not an object", p.Type)
		}
		var d standardData
		if err := json.Unmarshal(p.Data, &d); err != nil {
			return invalid("standard", "decode data of %q: %v", p.Type, err)
		}
		ev.EntityId = string(d.ID)
		ev.UserId = string(d.UserID)
		if ev.EntityType == "user" || ev.EntityType == "customer" {
			ev.UserId = string(d.ID)
		}
	}
	// The body's own timestamp is when the event happened; the signed
	// webhook-timestamp header is when this attempt was sent, the best
	// remaining guess.
	occurred(ev, p.Timestamp.Time)
	if ev.OccurredAt == nil {
		ts := r.header("webhook-timestamp")
		if ts == "" {
			ts = r.header("svix-timestamp")
		}
		if n, err := strconv.ParseInt(ts, 10, 64); err == nil && n > 0 {
			occurred(ev, unixTime(n))
		}
	}
	return nil
}
