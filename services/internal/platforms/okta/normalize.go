package okta

import (
	"strings"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// logEvent is the part of a System Log event (LogEvent) read.
type logEvent struct {
	UUID      eventid.RawString `json:"uuid"`
	EventType string            `json:"eventType"`
	Published norm.Time         `json:"published"`
	Severity  string            `json:"severity"`
	Actor     *struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	} `json:"actor"`
	Outcome *struct {
		Result string `json:"result"`
	} `json:"outcome"`
	Target []struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	} `json:"target"`
}

// normalize reads an Okta event hook request: {"eventType":
// "com.okta.event_hook", "eventId", "data": {"events": [LogEvent...]}}.
// Required: at least one event in data.events, each with an eventType.
// One request is one event here, made from the first System Log event;
// item_count and other_ids (metadata) tell how many came and which others.
// The source type is the System Log eventType; the entity and the user are
// the first target of type User (else the first target); occurred_at is
// published.
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	events, err := decodeEvents(r.Body)
	if err != nil {
		return err
	}
	ids := make([]string, len(events))
	for i, e := range events {
		if e.EventType == "" {
			return norm.Invalid(name, "event %d has no eventType", i)
		}
		ids[i] = string(e.UUID)
	}
	e := events[0]
	ev.SourceEventType = e.EventType
	ev.EventType = norm.Mapped(mapping, e.EventType)
	norm.Occurred(ev, e.Published.Time)
	norm.SetMeta(ev.Metadata, "uuid", string(e.UUID))
	norm.SetMeta(ev.Metadata, "severity", e.Severity)
	if e.Outcome != nil {
		norm.SetMeta(ev.Metadata, "outcome", e.Outcome.Result)
	}
	if e.Actor != nil {
		norm.SetMeta(ev.Metadata, "actor_id", e.Actor.ID)
		norm.SetMeta(ev.Metadata, "actor_type", e.Actor.Type)
	}
	if len(e.Target) > 0 {
		t := e.Target[0]
		for _, c := range e.Target {
			if c.Type == "User" {
				t = c
				break
			}
		}
		ev.EntityType, ev.EntityId = strings.ToLower(t.Type), t.ID
		if t.Type == "User" {
			ev.UserId = t.ID
		}
	}
	if ev.UserId == "" && e.Actor != nil && e.Actor.Type == "User" {
		ev.UserId = e.Actor.ID
	}
	norm.BatchMeta(ev, ids)
	return nil
}
