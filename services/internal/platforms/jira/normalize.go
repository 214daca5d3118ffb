package jira

import (
	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// account is a Jira user reference: accountId is its stable id.
type account struct {
	AccountID string `json:"accountId"`
}

// webhook is a Jira webhook body: {"timestamp" (unix ms), "webhookEvent",
// "issue_event_type_name", "user", and the object of the event: "issue",
// "comment", "project", "sprint", "version"}.
type webhook struct {
	Timestamp          *norm.Time `json:"timestamp"`
	WebhookEvent       string     `json:"webhookEvent"`
	IssueEventTypeName string     `json:"issue_event_type_name"`
	User               *account   `json:"user"`
	Issue              *struct {
		ID     norm.ID `json:"id"`
		Key    string  `json:"key"`
		Fields *struct {
			Project *struct {
				ID  norm.ID `json:"id"`
				Key string  `json:"key"`
			} `json:"project"`
		} `json:"fields"`
	} `json:"issue"`
	Comment *struct {
		ID     norm.ID  `json:"id"`
		Author *account `json:"author"`
	} `json:"comment"`
	Project *struct {
		ID  norm.ID `json:"id"`
		Key string  `json:"key"`
	} `json:"project"`
	Sprint *struct {
		ID norm.ID `json:"id"`
	} `json:"sprint"`
	Version *struct {
		ID norm.ID `json:"id"`
	} `json:"version"`
}

// normalize reads a Jira webhook. Required: a JSON object with a
// webhookEvent. The source type is webhookEvent ("jira:issue_created",
// "comment_created", "user_created"); the entity is the event's object
// (comment, else issue, else project, sprint, version, else the user of a
// user event); the user is body.user, who acted (or who a user event is
// about), else the comment's author; occurred_at is timestamp.
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	var w webhook
	if err := norm.DecodeObject(name, r.Body, &w); err != nil {
		return err
	}
	if w.WebhookEvent == "" {
		return norm.Invalid(name, "body has no webhookEvent")
	}
	ev.SourceEventType = w.WebhookEvent
	ev.EventType = norm.Mapped(mapping, w.WebhookEvent)
	if w.Timestamp != nil {
		norm.Occurred(ev, w.Timestamp.Time)
	}
	norm.SetMeta(ev.Metadata, "issue_event_type", w.IssueEventTypeName)
	if w.User != nil {
		ev.UserId = w.User.AccountID
	}
	if w.Issue != nil {
		norm.SetMeta(ev.Metadata, "issue_id", string(w.Issue.ID))
		norm.SetMeta(ev.Metadata, "issue_key", w.Issue.Key)
		if f := w.Issue.Fields; f != nil && f.Project != nil {
			norm.SetMeta(ev.Metadata, "project_key", f.Project.Key)
		}
	}
	switch {
	case w.Comment != nil:
		ev.EntityType, ev.EntityId = "comment", string(w.Comment.ID)
		if ev.UserId == "" && w.Comment.Author != nil {
			ev.UserId = w.Comment.Author.AccountID
		}
	case w.Issue != nil:
		ev.EntityType, ev.EntityId = "issue", string(w.Issue.ID)
	case w.Project != nil:
		ev.EntityType, ev.EntityId = "project", string(w.Project.ID)
		norm.SetMeta(ev.Metadata, "project_key", w.Project.Key)
	case w.Sprint != nil:
		ev.EntityType, ev.EntityId = "sprint", string(w.Sprint.ID)
	case w.Version != nil:
		ev.EntityType, ev.EntityId = "version", string(w.Version.ID)
	case w.User != nil:
		ev.EntityType, ev.EntityId = "user", w.User.AccountID
	}
	norm.SetMeta(ev.Metadata, "retry", r.Header("x-atlassian-webhook-retry"))
	return nil
}
