package normalize

import (
	"encoding/json"
	"errors"
	"mime"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
)

// githubEvent is the part of a GitHub webhook payload common to events.
// Ids are jsonID: GitHub's are 64-bit integers.
type githubEvent struct {
	Action string `json:"action"`
	Sender *struct {
		ID    jsonID `json:"id"`
		Login string `json:"login"`
	} `json:"sender"`
	Installation *struct {
		ID jsonID `json:"id"`
	} `json:"installation"`
	Repository *struct {
		ID       jsonID `json:"id"`
		FullName string `json:"full_name"`
		// Unix integers in push events, RFC 3339 strings elsewhere.
		CreatedAt jsonTime `json:"created_at"`
		UpdatedAt jsonTime `json:"updated_at"`
		PushedAt  jsonTime `json:"pushed_at"`
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
	HookID jsonID `json:"hook_id"`
	Zen    string `json:"zen"`
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
	ID        jsonID   `json:"id"`
	Number    jsonID   `json:"number"`
	Draft     bool     `json:"draft"`
	State     string   `json:"state"`
	CreatedAt jsonTime `json:"created_at"`
	UpdatedAt jsonTime `json:"updated_at"`
}

// normalizeGitHub reads a GitHub webhook. Required: the x-github-event
// header and a JSON object body, sent either as application/json or as
// application/x-www-form-urlencoded with the JSON in the "payload" field.
func normalizeGitHub(r request, ev *eventv1.NormalizedEvent) error {
	name := r.Header("x-github-event")
	if name == "" {
		return invalid("github", "no x-github-event header")
	}
	body, err := githubJSON(r)
	if err != nil {
		return err
	}
	if err := checkObject("github", body); err != nil {
		return err
	}
	var e githubEvent
	if err := unmarshal(body, &e); err != nil {
		return invalid("github", "decode body: %v", githubDecodeError(err))
	}
	// The resource object is named after the event: pull_request, release,
	// or the singular of a plural event name (issues -> issue). A push
	// has none, so its body (the largest and most frequent delivery) is not
	// decoded a second time to look for one.
	var res *githubResource
	resName := name
	if name != "push" {
		var fields map[string]json.RawMessage
		if err := unmarshal(body, &fields); err != nil {
			return invalid("github", "decode body: %v", err)
		}
		raw, ok := fields[resName]
		if !ok || !isObject(raw) {
			resName = strings.TrimSuffix(name, "s")
			raw, ok = fields[resName]
		}
		if ok && isObject(raw) {
			res = &githubResource{}
			if err := unmarshal(raw, res); err != nil {
				return invalid("github", "decode %s of %q: %v", resName, name, err)
			}
		}
	}

	ev.SourceEventType = name
	if e.Action != "" {
		ev.SourceEventType = name + "." + e.Action
	}
	ev.EventType = eventType("github", ev.SourceEventType)
	if e.Sender != nil {
		ev.UserId = string(e.Sender.ID)
		setMeta(ev.Metadata, "sender_login", e.Sender.Login)
	}
	if e.Installation != nil {
		ev.TenantId = string(e.Installation.ID)
	}
	if e.Repository != nil {
		setMeta(ev.Metadata, "repository", e.Repository.FullName)
		setMeta(ev.Metadata, "repository_id", string(e.Repository.ID))
	}
	setMeta(ev.Metadata, "hook_id", r.Header("x-github-hook-id"))
	setMeta(ev.Metadata, "action", e.Action)

	switch {
	case name == "push":
		// The push is identified by the commit the ref now points at.
		ev.EntityType = "commit"
		ev.EntityId = e.After
		setMeta(ev.Metadata, "ref", e.Ref)
		setMeta(ev.Metadata, "before", e.Before)
		ev.Metadata["commits"] = strconv.Itoa(len(e.Commits))
		for k, v := range map[string]bool{"created": e.Created, "deleted": e.Deleted, "forced": e.Forced} {
			if v {
				ev.Metadata[k] = "true"
			}
		}
		if e.Repository != nil {
			occurred(ev, e.Repository.PushedAt.Time)
		}
	case name == "ping":
		ev.EntityType = "hook"
		ev.EntityId = string(e.HookID)
		setMeta(ev.Metadata, "zen", e.Zen)
	case res != nil:
		ev.EntityType = resName
		ev.EntityId = string(res.ID)
		setMeta(ev.Metadata, "number", string(res.Number))
		setMeta(ev.Metadata, "state", res.State)
		occurred(ev, firstTime(res.UpdatedAt.Time, res.CreatedAt.Time))
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
func githubJSON(r request) ([]byte, error) {
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
		return nil, invalid("github", "form-encoded body: %v", err)
	}
	payload := form.Get("payload")
	if payload == "" {
		return nil, invalid("github", "form-encoded body has no payload field")
	}
	return []byte(payload), nil
}
