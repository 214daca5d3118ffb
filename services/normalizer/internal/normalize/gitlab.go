package normalize

import (
	"strconv"
	"strings"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
)

// gitlabEvent is the part of a GitLab webhook (project, group or system
// hook) the adapter reads. object_kind names project and group hooks;
// system hooks about users, groups and projects use event_name instead.
// Timestamps are RFC 3339 in some events and "2013-12-03 17:23:34 UTC" in
// others; jsonTime reads both.
type gitlabEvent struct {
	ObjectKind string `json:"object_kind"`
	EventName  string `json:"event_name"`

	// push and tag_push
	Before            string `json:"before"`
	After             string `json:"after"`
	Ref               string `json:"ref"`
	UserID            jsonID `json:"user_id"`
	UserUsername      string `json:"user_username"`
	ProjectID         jsonID `json:"project_id"`
	TotalCommitsCount *int64 `json:"total_commits_count"`

	User *struct {
		ID       jsonID `json:"id"`
		Username string `json:"username"`
	} `json:"user"`
	Project *struct {
		ID                jsonID `json:"id"`
		PathWithNamespace string `json:"path_with_namespace"`
	} `json:"project"`
	ObjectAttributes *struct {
		ID        jsonID   `json:"id"`
		IID       jsonID   `json:"iid"`
		Action    string   `json:"action"`
		State     string   `json:"state"`
		Draft     bool     `json:"draft"`
		WIP       bool     `json:"work_in_progress"`
		CreatedAt jsonTime `json:"created_at"`
		UpdatedAt jsonTime `json:"updated_at"`
	} `json:"object_attributes"`
	Changes *struct {
		Draft *struct {
			Previous bool `json:"previous"`
			Current  bool `json:"current"`
		} `json:"draft"`
	} `json:"changes"`

	// system hooks: user_create, user_destroy ...
	ID        jsonID   `json:"id"`
	CreatedAt jsonTime `json:"created_at"`
	UpdatedAt jsonTime `json:"updated_at"`
}

// gitlabZeroSHA is the before (branch created) or after (branch deleted)
// of a push.
const gitlabZeroSHA = "0000000000000000000000000000000000000000"

// normalizeGitLab reads a GitLab webhook. Required: a JSON object with
// object_kind or (system hooks) event_name. The source type is object_kind
// plus "." + object_attributes.action when there is one
// ("merge_request.open"); x-gitlab-event ("Merge Request Hook") is kept in
// metadata.
func normalizeGitLab(r request, ev *eventv1.NormalizedEvent) error {
	var e gitlabEvent
	if err := decodeObject("gitlab", r.Body, &e); err != nil {
		return err
	}
	kind := e.ObjectKind
	if kind == "" {
		kind = e.EventName
	}
	if kind == "" {
		return invalid("gitlab", "body has neither object_kind nor event_name")
	}
	action := ""
	if e.ObjectAttributes != nil {
		action = e.ObjectAttributes.Action
	}
	ev.SourceEventType = kind
	if action != "" {
		ev.SourceEventType = kind + "." + action
	}
	ev.EventType = eventType("gitlab", ev.SourceEventType)
	setMeta(ev.Metadata, "hook", r.Header("x-gitlab-event"))
	setMeta(ev.Metadata, "instance", r.Header("x-gitlab-instance"))
	setMeta(ev.Metadata, "action", action)

	ev.UserId = string(e.UserID)
	setMeta(ev.Metadata, "user_username", e.UserUsername)
	if e.User != nil {
		ev.UserId = string(e.User.ID)
		setMeta(ev.Metadata, "user_username", e.User.Username)
	}
	setMeta(ev.Metadata, "project_id", string(e.ProjectID))
	if e.Project != nil {
		setMeta(ev.Metadata, "project_id", string(e.Project.ID))
		setMeta(ev.Metadata, "project", e.Project.PathWithNamespace)
	}

	switch {
	case kind == "push" || kind == "tag_push":
		// Identified, like a GitHub push, by the commit the ref now
		// points at. GitLab gives no push time: occurred_at is receipt.
		ev.EntityType = "commit"
		ev.EntityId = e.After
		setMeta(ev.Metadata, "ref", e.Ref)
		setMeta(ev.Metadata, "before", e.Before)
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
		setMeta(ev.Metadata, "iid", string(a.IID))
		setMeta(ev.Metadata, "state", a.State)
		occurred(ev, firstTime(a.UpdatedAt.Time, a.CreatedAt.Time))
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
		occurred(ev, firstTime(e.UpdatedAt.Time, e.CreatedAt.Time))
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
