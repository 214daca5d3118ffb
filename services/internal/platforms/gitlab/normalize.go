package gitlab

import (
	"strconv"
	"strings"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// gitlabEvent is the part of a GitLab webhook (project, group or system
// hook) the adapter reads. object_kind names project and group hooks;
// system hooks about users, groups and projects use event_name instead.
// Timestamps are RFC 3339 in some events and "2013-12-03 17:23:34 UTC" in
// others; norm.Time reads both.
type gitlabEvent struct {
	ObjectKind string `json:"object_kind"`
	EventName  string `json:"event_name"`

	// push and tag_push
	Before            string  `json:"before"`
	After             string  `json:"after"`
	Ref               string  `json:"ref"`
	UserID            norm.ID `json:"user_id"`
	UserUsername      string  `json:"user_username"`
	ProjectID         norm.ID `json:"project_id"`
	TotalCommitsCount *int64  `json:"total_commits_count"`

	User *struct {
		ID       norm.ID `json:"id"`
		Username string  `json:"username"`
	} `json:"user"`
	Project *struct {
		ID                norm.ID `json:"id"`
		PathWithNamespace string  `json:"path_with_namespace"`
	} `json:"project"`
	ObjectAttributes *struct {
		ID        norm.ID   `json:"id"`
		IID       norm.ID   `json:"iid"`
		Action    string    `json:"action"`
		State     string    `json:"state"`
		Draft     bool      `json:"draft"`
		WIP       bool      `json:"work_in_progress"`
		CreatedAt norm.Time `json:"created_at"`
		UpdatedAt norm.Time `json:"updated_at"`
	} `json:"object_attributes"`
	Changes *struct {
		Draft *struct {
			Previous bool `json:"previous"`
			Current  bool `json:"current"`
		} `json:"draft"`
	} `json:"changes"`

	// system hooks: user_create, user_destroy ...
	ID        norm.ID   `json:"id"`
	CreatedAt norm.Time `json:"created_at"`
	UpdatedAt norm.Time `json:"updated_at"`
}

// gitlabZeroSHA is the before (branch created) or after (branch deleted)
// of a push.
const gitlabZeroSHA = "0000000000000000000000000000000000000000"

// normalize reads a GitLab webhook. Required: a JSON object with
// object_kind or (system hooks) event_name. The source type is object_kind
// plus "." + object_attributes.action when there is one
// ("merge_request.open"); x-gitlab-event ("Merge Request Hook") is kept in
// metadata.
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	var e gitlabEvent
	if err := norm.DecodeObject("gitlab", r.Body, &e); err != nil {
		return err
	}
	kind := e.ObjectKind
	if kind == "" {
		kind = e.EventName
	}
	if kind == "" {
		return norm.Invalid("gitlab", "body has neither object_kind nor event_name")
	}
	action := ""
	if e.ObjectAttributes != nil {
		action = e.ObjectAttributes.Action
	}
	ev.SourceEventType = kind
	if action != "" {
		ev.SourceEventType = kind + "." + action
	}
	ev.EventType = norm.Mapped(mapping, ev.SourceEventType)
	norm.SetMeta(ev.Metadata, "hook", r.Header("x-gitlab-event"))
	norm.SetMeta(ev.Metadata, "instance", r.Header("x-gitlab-instance"))
	norm.SetMeta(ev.Metadata, "action", action)

	ev.UserId = string(e.UserID)
	norm.SetMeta(ev.Metadata, "user_username", e.UserUsername)
	if e.User != nil {
		ev.UserId = string(e.User.ID)
		norm.SetMeta(ev.Metadata, "user_username", e.User.Username)
	}
	norm.SetMeta(ev.Metadata, "project_id", string(e.ProjectID))
	if e.Project != nil {
		norm.SetMeta(ev.Metadata, "project_id", string(e.Project.ID))
		norm.SetMeta(ev.Metadata, "project", e.Project.PathWithNamespace)
	}

	switch {
	case kind == "push" || kind == "tag_push":
		// Identified, like a GitHub push, by the commit the ref now
		// points at. GitLab gives no push time: occurred_at is receipt.
		ev.EntityType = "commit"
		ev.EntityId = e.After
		norm.SetMeta(ev.Metadata, "ref", e.Ref)
		norm.SetMeta(ev.Metadata, "before", e.Before)
		if e.TotalCommitsCount != nil {
			ev.Metadata["commits"] = strconv.FormatInt(*e.TotalCommitsCount, 10)
		}
		if e.Before == gitlabZeroSHA {
			ev.Metadata["created"] = "true"
		}
		if e.After == gitlabZeroSHA {
			ev.Metadata["deleted"] = "true"
		}
	case e.ObjectAttributes != nil:
		a := e.ObjectAttributes
		ev.EntityType = kind
		ev.EntityId = string(a.ID)
		norm.SetMeta(ev.Metadata, "iid", string(a.IID))
		norm.SetMeta(ev.Metadata, "state", a.State)
		norm.Occurred(ev, norm.FirstTime(a.UpdatedAt.Time, a.CreatedAt.Time))
		if kind == "merge_request" {
			gitlabReview(&e, ev)
		}
	default:
		// System hooks (user_create, project_create ...) describe the
		// resource at the top level.
		ev.EntityType = kind
		if i := strings.LastIndexByte(kind, '_'); i > 0 {
			ev.EntityType = kind[:i]
		}
		ev.EntityId = string(e.ID)
		if ev.EntityType == "user" {
			ev.EntityId = string(e.UserID)
			ev.UserId = string(e.UserID)
		}
		norm.Occurred(ev, norm.FirstTime(e.UpdatedAt.Time, e.CreatedAt.Time))
	}
	return nil
}

// gitlabReview applies the draft rule to a merge request event: opening a
// draft asks nobody for review (UNMAPPED, metadata.draft); the update that
// marks it ready (changes.draft true -> false) does.
func gitlabReview(e *gitlabEvent, ev *eventv1.NormalizedEvent) {
	a := e.ObjectAttributes
	draft := a.Draft || a.WIP
	if draft {
		ev.Metadata["draft"] = "true"
		if a.Action == "open" || a.Action == "reopen" {
			ev.EventType = eventv1.EventType_EVENT_TYPE_UNMAPPED
		}
	}
	if a.Action == "update" && e.Changes != nil && e.Changes.Draft != nil &&
		e.Changes.Draft.Previous && !e.Changes.Draft.Current {
		ev.EventType = eventv1.EventType_EVENT_TYPE_CODE_REVIEW_REQUESTED
		ev.Metadata["ready_for_review"] = "true"
	}
}
