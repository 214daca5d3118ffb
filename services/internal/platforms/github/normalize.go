package github

import (
	"encoding/json"
	"errors"
	"mime"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// githubEvent is the part of a GitHub webhook payload common to events.
// Ids are jsonID: GitHub's are 64-bit integers.
type githubEvent struct {
	Action string `json:"action"`
	Sender *struct {
		ID    norm.ID `json:"id"`
		Login string  `json:"login"`
	} `json:"sender"`
	Installation *struct {
		ID norm.ID `json:"id"`
	} `json:"installation"`
	Repository *struct {
		ID       norm.ID `json:"id"`
		FullName string  `json:"full_name"`
		// Unix integers in push events, RFC 3339 strings elsewhere.
		CreatedAt norm.Time `json:"created_at"`
		UpdatedAt norm.Time `json:"updated_at"`
		PushedAt  norm.Time `json:"pushed_at"`
	} `json:"repository"`

	// push
	Ref     string         `json:"ref"`
	Before  string         `json:"before"`
	After   string         `json:"after"`
	Created bool           `json:"created"`
	Deleted bool           `json:"deleted"`
	Forced  bool           `json:"forced"`
	Commits []githubCommit `json:"commits"`

	// ping
	HookID norm.ID `json:"hook_id"`
	Zen    string  `json:"zen"`
}

// githubCommit stands for one element of a push's commits, of which only
// the number is read. Like the json.RawMessage it replaces it accepts any
// value, but it keeps none: a 15 KB push decodes without copying each
// commit.
type githubCommit struct{}

// UnmarshalJSON accepts any value and keeps nothing.
func (*githubCommit) UnmarshalJSON([]byte) error { return nil }

// rawMessagesType is the type githubEvent.Commits had, named in its decode
// errors; see githubDecodeError.
var rawMessagesType = reflect.TypeFor[[]json.RawMessage]()

// githubDecodeError keeps the text of a decode error what it was when
// Commits was a []json.RawMessage: commits that are not an array are
// reported as "of type []json.RawMessage", not of a type private to this
// package.
func githubDecodeError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Struct == "githubEvent" && te.Field == "commits" {
		te.Type = rawMessagesType
	}
	return err
}

// githubResource is the object an event is about (pull_request, issue,
// release ...), read for its id and times.
type githubResource struct {
	ID        norm.ID   `json:"id"`
	Number    norm.ID   `json:"number"`
	Draft     bool      `json:"draft"`
	State     string    `json:"state"`
	CreatedAt norm.Time `json:"created_at"`
	UpdatedAt norm.Time `json:"updated_at"`
}

// normalize reads a GitHub webhook. Required: the x-github-event
// header and a JSON object body, sent either as application/json or as
// application/x-www-form-urlencoded with the JSON in the "payload" field.
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	name := r.Header("x-github-event")
	if name == "" {
		return norm.Invalid("github", "no x-github-event header")
	}
	body, err := githubJSON(r)
	if err != nil {
		return err
	}
	if err := norm.CheckObject("github", body); err != nil {
		return err
	}
	var e githubEvent
	if err := norm.Unmarshal(body, &e); err != nil {
		return norm.Invalid("github", "decode body: %v", githubDecodeError(err))
	}
	// The resource object is named after the event: pull_request, release,
	// or the singular of a plural event name (issues -> issue). A push
	// has none, so its body (the largest and most frequent delivery) is not
	// decoded a second time to look for one.
	var res *githubResource
	resName := name
	if name != "push" {
		var fields map[string]json.RawMessage
		if err := norm.Unmarshal(body, &fields); err != nil {
			return norm.Invalid("github", "decode body: %v", err)
		}
		raw, ok := fields[resName]
		if !ok || !norm.IsObject(raw) {
			resName = strings.TrimSuffix(name, "s")
			raw, ok = fields[resName]
		}
		if ok && norm.IsObject(raw) {
			res = &githubResource{}
			if err := norm.Unmarshal(raw, res); err != nil {
				return norm.Invalid("github", "decode %s of %q: %v", resName, name, err)
			}
		}
	}

	ev.SourceEventType = name
	if e.Action != "" {
		ev.SourceEventType = name + "." + e.Action
	}
	ev.EventType = norm.Mapped(mapping, ev.SourceEventType)
	if e.Sender != nil {
		ev.UserId = string(e.Sender.ID)
		norm.SetMeta(ev.Metadata, "sender_login", e.Sender.Login)
	}
	if e.Installation != nil {
		ev.TenantId = string(e.Installation.ID)
	}
	if e.Repository != nil {
		norm.SetMeta(ev.Metadata, "repository", e.Repository.FullName)
		norm.SetMeta(ev.Metadata, "repository_id", string(e.Repository.ID))
	}
	norm.SetMeta(ev.Metadata, "hook_id", r.Header("x-github-hook-id"))
	norm.SetMeta(ev.Metadata, "action", e.Action)

	switch {
	case name == "push":
		// The push is identified by the commit the ref now points at.
		ev.EntityType = "commit"
		ev.EntityId = e.After
		norm.SetMeta(ev.Metadata, "ref", e.Ref)
		norm.SetMeta(ev.Metadata, "before", e.Before)
		ev.Metadata["commits"] = strconv.Itoa(len(e.Commits))
		for k, v := range map[string]bool{"created": e.Created, "deleted": e.Deleted, "forced": e.Forced} {
			if v {
				ev.Metadata[k] = "true"
			}
		}
		if e.Repository != nil {
			norm.Occurred(ev, e.Repository.PushedAt.Time)
		}
	case name == "ping":
		ev.EntityType = "hook"
		ev.EntityId = string(e.HookID)
		norm.SetMeta(ev.Metadata, "zen", e.Zen)
	case res != nil:
		ev.EntityType = resName
		ev.EntityId = string(res.ID)
		norm.SetMeta(ev.Metadata, "number", string(res.Number))
		norm.SetMeta(ev.Metadata, "state", res.State)
		norm.Occurred(ev, norm.FirstTime(res.UpdatedAt.Time, res.CreatedAt.Time))
		if name == "pull_request" && res.Draft {
			ev.Metadata["draft"] = "true"
			// Opening a draft asks nobody for review yet; its
			// ready_for_review event does.
			if e.Action == "opened" || e.Action == "reopened" {
				ev.EventType = eventv1.EventType_EVENT_TYPE_UNMAPPED
			}
		}
	}
	return nil
}

// githubJSON returns the JSON document of a GitHub delivery: the body
// itself, or the "payload" form field of a form-encoded delivery.
func githubJSON(r norm.Request) ([]byte, error) {
	ct := r.Header("content-type")
	if ct == "" {
		return r.Body, nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return r.Body, nil
	}
	form, err := url.ParseQuery(string(r.Body))
	if err != nil {
		return nil, norm.Invalid("github", "form-encoded body: %v", err)
	}
	payload := form.Get("payload")
	if payload == "" {
		return nil, norm.Invalid("github", "form-encoded body has no payload field")
	}
	return []byte(payload), nil
}
