package bitbucket

import (
	"encoding/json"
	"strconv"
	"strings"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// bitbucketActor is a Bitbucket Cloud account. uuid ("{...}") is the
// stable id; account_id is the Atlassian account.
type bitbucketActor struct {
	UUID      string `json:"uuid"`
	AccountID string `json:"account_id"`
	Nickname  string `json:"nickname"`
}

// bitbucketEvent is the part of a Bitbucket Cloud webhook the adapter
// reads.
type bitbucketEvent struct {
	Actor      *bitbucketActor `json:"actor"`
	Repository *struct {
		UUID      string          `json:"uuid"`
		FullName  string          `json:"full_name"`
		Workspace *bitbucketActor `json:"workspace"`
	} `json:"repository"`
	Push *struct {
		Changes []struct {
			New *struct {
				Type   string `json:"type"`
				Name   string `json:"name"`
				Target struct {
					Hash string `json:"hash"`
				} `json:"target"`
			} `json:"new"`
			Old *struct {
				Target struct {
					Hash string `json:"hash"`
				} `json:"target"`
			} `json:"old"`
			Created   bool              `json:"created"`
			Closed    bool              `json:"closed"`
			Forced    bool              `json:"forced"`
			Truncated bool              `json:"truncated"`
			Commits   []json.RawMessage `json:"commits"`
		} `json:"changes"`
	} `json:"push"`
	PullRequest *struct {
		ID        norm.ID   `json:"id"`
		State     string    `json:"state"`
		Draft     bool      `json:"draft"`
		CreatedOn norm.Time `json:"created_on"`
		UpdatedOn norm.Time `json:"updated_on"`
	} `json:"pullrequest"`
}

// normalize reads a Bitbucket Cloud webhook. Required: the
// x-event-key header ("repo:push", "pullrequest:created") and a JSON object
// body.
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	key := r.Header("x-event-key")
	if key == "" {
		return norm.Invalid("bitbucket", "no x-event-key header")
	}
	var e bitbucketEvent
	if err := norm.DecodeObject("bitbucket", r.Body, &e); err != nil {
		return err
	}
	ev.SourceEventType = key
	ev.EventType = norm.Mapped(mapping, key)
	norm.SetMeta(ev.Metadata, "hook_uuid", r.Header("x-hook-uuid"))
	norm.SetMeta(ev.Metadata, "attempt_number", r.Header("x-attempt-number"))
	if e.Actor != nil {
		ev.UserId = e.Actor.UUID
		norm.SetMeta(ev.Metadata, "actor_account_id", e.Actor.AccountID)
		norm.SetMeta(ev.Metadata, "actor_nickname", e.Actor.Nickname)
	}
	repoUUID := ""
	if e.Repository != nil {
		repoUUID = e.Repository.UUID
		norm.SetMeta(ev.Metadata, "repository", e.Repository.FullName)
		norm.SetMeta(ev.Metadata, "repository_uuid", repoUUID)
		if e.Repository.Workspace != nil {
			ev.TenantId = e.Repository.Workspace.UUID
		}
	}
	switch {
	case key == "repo:push" && e.Push != nil:
		// One push may move several refs; the first change identifies
		// it, like a GitHub push, by the commit its ref now points at
		// (none when the ref was deleted). No push time is sent.
		ev.EntityType = "commit"
		ev.Metadata["changes"] = strconv.Itoa(len(e.Push.Changes))
		if len(e.Push.Changes) > 0 {
			c := e.Push.Changes[0]
			if c.New != nil {
				ev.EntityId = c.New.Target.Hash
				norm.SetMeta(ev.Metadata, "ref", c.New.Name)
				norm.SetMeta(ev.Metadata, "ref_type", c.New.Type)
			}
			if c.Old != nil {
				norm.SetMeta(ev.Metadata, "before", c.Old.Target.Hash)
			}
			ev.Metadata["commits"] = strconv.Itoa(len(c.Commits))
			for k, v := range map[string]bool{"created": c.Created, "deleted": c.Closed, "forced": c.Forced, "truncated": c.Truncated} {
				if v {
					ev.Metadata[k] = "true"
				}
			}
		}
	case strings.HasPrefix(key, "pullrequest:") && e.PullRequest != nil:
		// A pull request id is a number within its repository, so the
		// entity id is scoped by the repository uuid.
		pr := e.PullRequest
		ev.EntityType = "pullrequest"
		ev.EntityId = string(pr.ID)
		if repoUUID != "" && pr.ID != "" {
			ev.EntityId = repoUUID + ":" + string(pr.ID)
		}
		norm.SetMeta(ev.Metadata, "number", string(pr.ID))
		norm.SetMeta(ev.Metadata, "state", pr.State)
		norm.Occurred(ev, norm.FirstTime(pr.UpdatedOn.Time, pr.CreatedOn.Time))
		if pr.Draft {
			// Opening a draft asks nobody for review yet.
			ev.Metadata["draft"] = "true"
			if key == "pullrequest:created" {
				ev.EventType = eventv1.EventType_EVENT_TYPE_UNMAPPED
			}
		}
	}
	return nil
}
