package sentry

import (
	"encoding/json"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// webhook is the envelope every integration-platform webhook shares:
// {"action", "installation": {"uuid"}, "data": {...}, "actor": {...}}.
type webhook struct {
	Action       string `json:"action"`
	Installation *struct {
		UUID string `json:"uuid"`
	} `json:"installation"`
	Data  json.RawMessage `json:"data"`
	Actor *struct {
		Type string  `json:"type"`
		ID   norm.ID `json:"id"`
	} `json:"actor"`
}

// data holds the parts of data the normalization reads, for every
// resource: data.issue (issue), data.event (event_alert), data.error
// (error), data.metric_alert (metric_alert), data.installation
// (installation), and a comment's own fields (comment).
type data struct {
	Issue *struct {
		ID        norm.ID   `json:"id"`
		ShortID   string    `json:"shortId"`
		Status    string    `json:"status"`
		Substatus string    `json:"substatus"`
		Level     string    `json:"level"`
		FirstSeen norm.Time `json:"firstSeen"`
		Project   *struct {
			Slug string `json:"slug"`
		} `json:"project"`
	} `json:"issue"`
	Event *struct {
		EventID string  `json:"event_id"`
		IssueID norm.ID `json:"issue_id"`
		Level   string  `json:"level"`
	} `json:"event"`
	Error *struct {
		EventID string  `json:"event_id"`
		IssueID norm.ID `json:"issue_id"`
		Level   string  `json:"level"`
	} `json:"error"`
	MetricAlert *struct {
		ID norm.ID `json:"id"`
	} `json:"metric_alert"`
	Installation *struct {
		UUID string `json:"uuid"`
	} `json:"installation"`
	TriggeredRule string `json:"triggered_rule"`

	// A comment's fields sit directly in data.
	CommentID   norm.ID   `json:"comment_id"`
	IssueID     norm.ID   `json:"issue_id"`
	ProjectSlug string    `json:"project_slug"`
	Timestamp   norm.Time `json:"timestamp"`
}

// normalize reads a Sentry integration-platform webhook. Required: a
// JSON object with an action, and the Sentry-Hook-Resource header (the
// body does not name its resource); data, when present, must be an
// object. The source type is "<resource>.<action>" ("issue.created",
// "event_alert.triggered", "metric_alert.critical"). Sentry reports
// errors, issues and alerts: none has a common meaning among hookmesh's
// types (mapping.go), so every type passes through UNMAPPED with its ids.
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	resource := r.Header("sentry-hook-resource")
	if resource == "" {
		return norm.Invalid(name, "no Sentry-Hook-Resource header")
	}
	var w webhook
	if err := norm.DecodeObject(name, r.Body, &w); err != nil {
		return err
	}
	if w.Action == "" {
		return norm.Invalid(name, "body has no action")
	}
	ev.SourceEventType = resource + "." + w.Action
	ev.EventType = norm.Mapped(mapping, ev.SourceEventType)
	if w.Installation != nil {
		ev.TenantId = w.Installation.UUID
	}
	if w.Actor != nil {
		norm.SetMeta(ev.Metadata, "actor_type", w.Actor.Type)
		if w.Actor.Type == "user" {
			ev.UserId = string(w.Actor.ID)
		}
	}
	norm.SetMeta(ev.Metadata, "request_id", r.Header("request-id"))
	if len(w.Data) == 0 || string(w.Data) == "null" {
		return nil
	}
	if !norm.IsObject(w.Data) {
		return norm.Invalid(name, "data of %q is not an object", ev.SourceEventType)
	}
	var d data
	if err := norm.Unmarshal(w.Data, &d); err != nil {
		return norm.Invalid(name, "decode data of %q: %v", ev.SourceEventType, err)
	}
	entity(resource, &d, ev)
	return nil
}

// entity sets the entity, the time and the metadata of a resource's data.
func entity(resource string, d *data, ev *eventv1.NormalizedEvent) {
	switch resource {
	case "issue":
		if d.Issue == nil {
			return
		}
		ev.EntityType, ev.EntityId = "issue", string(d.Issue.ID)
		norm.SetMeta(ev.Metadata, "short_id", d.Issue.ShortID)
		norm.SetMeta(ev.Metadata, "status", d.Issue.Status)
		norm.SetMeta(ev.Metadata, "substatus", d.Issue.Substatus)
		norm.SetMeta(ev.Metadata, "level", d.Issue.Level)
		if d.Issue.Project != nil {
			norm.SetMeta(ev.Metadata, "project", d.Issue.Project.Slug)
		}
		if ev.SourceEventType == "issue.created" {
			// An issue is created by its first event.
			norm.Occurred(ev, d.Issue.FirstSeen.Time)
		}
	case "event_alert", "error":
		e := d.Event
		if resource == "error" {
			e = d.Error
		}
		if e == nil {
			return
		}
		ev.EntityType, ev.EntityId = "event", e.EventID
		norm.SetMeta(ev.Metadata, "issue_id", string(e.IssueID))
		norm.SetMeta(ev.Metadata, "level", e.Level)
		norm.SetMeta(ev.Metadata, "triggered_rule", d.TriggeredRule)
	case "metric_alert":
		if d.MetricAlert != nil {
			ev.EntityType, ev.EntityId = "metric_alert", string(d.MetricAlert.ID)
		}
	case "comment":
		ev.EntityType, ev.EntityId = "comment", string(d.CommentID)
		norm.SetMeta(ev.Metadata, "issue_id", string(d.IssueID))
		norm.SetMeta(ev.Metadata, "project", d.ProjectSlug)
		norm.Occurred(ev, d.Timestamp.Time)
	case "installation":
		if d.Installation != nil {
			ev.EntityType, ev.EntityId = "installation", d.Installation.UUID
		}
	}
}
