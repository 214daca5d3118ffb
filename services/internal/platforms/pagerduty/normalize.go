package pagerduty

import (
	"encoding/json"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// webhook is a v3 webhook: one event in an envelope,
// {"event": {"id", "event_type", "resource_type", "occurred_at", "agent",
// "client", "data"}}.
type webhook struct {
	Event *struct {
		ID           string          `json:"id"`
		EventType    string          `json:"event_type"`
		ResourceType string          `json:"resource_type"`
		OccurredAt   norm.Time       `json:"occurred_at"`
		Agent        *reference      `json:"agent"`
		Data         json.RawMessage `json:"data"`
	} `json:"event"`
}

// reference is PagerDuty's reference to another object: {"id", "type",
// "summary", "self", "html_url"}.
type reference struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// data is the part of event.data read, whatever its type: an incident
// (number, status, urgency, service, priority), a service, or an object
// about an incident (incident_note, incident_responder,
// incident_status_update: data.incident).
type data struct {
	ID       string     `json:"id"`
	Type     string     `json:"type"`
	Number   norm.ID    `json:"number"`
	Status   string     `json:"status"`
	Urgency  string     `json:"urgency"`
	Service  *reference `json:"service"`
	Incident *reference `json:"incident"`
	Priority *struct {
		Summary string `json:"summary"`
	} `json:"priority"`
}

// normalize reads a PagerDuty v3 webhook. Required: a JSON object whose
// event has an event_type; event.data, when present, must be an object.
// The source type is event.event_type ("incident.triggered"); the entity
// is event.data (its type and id), the user the agent when it is a user,
// and occurred_at event.occurred_at.
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	var w webhook
	if err := norm.DecodeObject(name, r.Body, &w); err != nil {
		return err
	}
	e := w.Event
	if e == nil || e.EventType == "" {
		return norm.Invalid(name, "body has no event.event_type")
	}
	ev.SourceEventType = e.EventType
	ev.EventType = norm.Mapped(mapping, e.EventType)
	norm.Occurred(ev, e.OccurredAt.Time)
	norm.SetMeta(ev.Metadata, "pagerduty_event_id", e.ID)
	norm.SetMeta(ev.Metadata, "resource_type", e.ResourceType)
	norm.SetMeta(ev.Metadata, "subscription", r.Header("x-webhook-subscription"))
	if e.Agent != nil {
		norm.SetMeta(ev.Metadata, "agent_type", e.Agent.Type)
		if e.Agent.Type == "user_reference" {
			ev.UserId = e.Agent.ID
		}
	}
	if len(e.Data) == 0 || string(e.Data) == "null" {
		return nil
	}
	if !norm.IsObject(e.Data) {
		return norm.Invalid(name, "event.data of %q is not an object", e.EventType)
	}
	var d data
	if err := norm.Unmarshal(e.Data, &d); err != nil {
		return norm.Invalid(name, "decode event.data of %q: %v", e.EventType, err)
	}
	ev.EntityType, ev.EntityId = d.Type, d.ID
	norm.SetMeta(ev.Metadata, "number", string(d.Number))
	norm.SetMeta(ev.Metadata, "status", d.Status)
	norm.SetMeta(ev.Metadata, "urgency", d.Urgency)
	if d.Service != nil {
		norm.SetMeta(ev.Metadata, "service_id", d.Service.ID)
	}
	if d.Incident != nil {
		norm.SetMeta(ev.Metadata, "incident_id", d.Incident.ID)
	}
	if d.Priority != nil {
		norm.SetMeta(ev.Metadata, "priority", d.Priority.Summary)
	}
	return nil
}
