package gitlab

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// Fixed identities of the sending instance and hook: a retry or a second
// event carries the same scope, as in production.
const (
	gitlabInstance    = "https://gitlab.example.com"
	gitlabWebhookUUID = "3c5c0404-c866-44bc-a5f6-452bb1bfc76e"
)

// samples are the GitLab webhooks `hookmesh send` builds.
var samples = platform.Samples{
	Default:   "push",
	NewID:     func(time.Time) string { return randid.UUID() },
	Templates: templates,
	TypeHeaders: func(typ string) map[string]string {
		return map[string]string{"X-Gitlab-Event": gitlabHookName(typ), "X-Gitlab-Instance": gitlabInstance, "X-Gitlab-Webhook-UUID": gitlabWebhookUUID}
	},
	IDHeaders: func(id string) http.Header {
		// Idempotency-Key is per delivery and wins in the key; one event
		// sent once has one delivery, so the same id serves both.
		return http.Header{"Idempotency-Key": {id}, "X-Gitlab-Event-Uuid": {id}}
	},
}

var templates = map[string]platform.Template{
	"push":          gitlabPush,
	"merge_request": gitlabMergeRequest,
}

// gitlabHookName is the X-Gitlab-Event value of an object_kind.
func gitlabHookName(kind string) string {
	switch kind {
	case "merge_request":
		return "Merge Request Hook"
	case "tag_push":
		return "Tag Push Hook"
	case "issue":
		return "Issue Hook"
	}
	return "Push Hook"
}

func gitlabHeaders(kind string) http.Header {
	return http.Header{"X-Gitlab-Event": {gitlabHookName(kind)}, "X-Gitlab-Instance": {gitlabInstance},
		"X-Gitlab-Webhook-Uuid": {gitlabWebhookUUID}}
}

const gitlabProject = `"project_id": 15, "project": {"id": 15, "name": "Diaspora", "description": "", "web_url": "https://gitlab.example.com/mike/diaspora", "git_ssh_url": "git@gitlab.example.com:mike/diaspora.git", "git_http_url": "https://gitlab.example.com/mike/diaspora.git", "namespace": "Mike", "visibility_level": 0, "path_with_namespace": "mike/diaspora", "default_branch": "master"}`

func gitlabPush(_ string, now time.Time) (string, http.Header) {
	var commits []string
	for i := range 3 {
		c := randid.GitSHA(fmt.Sprintf("gitlab-%d", i))
		commits = append(commits, fmt.Sprintf(`{"id": "%s", "message": "Retry webhook deliveries with backoff (%d/3)\n", "title": "Retry webhook deliveries with backoff (%d/3)", "timestamp": "%s", "url": "https://gitlab.example.com/mike/diaspora/-/commit/%s", "author": {"name": "Jordi Mallach", "email": "jordi@softcatala.org"}, "added": [], "modified": ["app/webhooks/retry.rb"], "removed": []}`,
			c, i+1, i+1, now.Add(time.Duration(i-3)*time.Minute).Format(time.RFC3339), c))
	}
	after := randid.GitSHA("gitlab-2")
	return fmt.Sprintf(`{"object_kind": "push", "event_name": "push", "before": "95790bf891e76fee5e1747ab589903a6a1f80f22", "after": "%s", "ref": "refs/heads/master", "ref_protected": true, "checkout_sha": "%s", "message": null, "user_id": 4, "user_name": "John Smith", "user_username": "jsmith", "user_email": "john@example.com", "user_avatar": "https://s.gravatar.com/avatar/d4c74594d841139328695756648b6bd6?s=80", %s, "commits": [%s], "total_commits_count": 3, "push_options": {}, "repository": {"name": "Diaspora", "url": "git@gitlab.example.com:mike/diaspora.git", "homepage": "https://gitlab.example.com/mike/diaspora", "visibility_level": 0}}`,
		after, after, gitlabProject, strings.Join(commits, ", ")), gitlabHeaders("push")
}

func gitlabMergeRequest(_ string, now time.Time) (string, http.Header) {
	ts := now.UTC().Format("2006-01-02 15:04:05 UTC") // GitLab's own format in webhooks
	return fmt.Sprintf(`{"object_kind": "merge_request", "event_type": "merge_request", "user": {"id": 1, "name": "Administrator", "username": "root", "email": "admin@example.com"}, %s, "object_attributes": {"id": 99, "iid": 1, "target_branch": "master", "source_branch": "ms-viewport", "source_project_id": 15, "author_id": 51, "title": "MS-Viewport", "description": "Adds the viewport meta tag.", "created_at": "%s", "updated_at": "%s", "state": "opened", "merge_status": "unchecked", "target_project_id": 15, "draft": false, "work_in_progress": false, "url": "https://gitlab.example.com/mike/diaspora/-/merge_requests/1", "action": "open"}, "labels": [], "changes": {}, "repository": {"name": "Diaspora", "homepage": "https://gitlab.example.com/mike/diaspora"}}`,
		gitlabProject, ts, ts), gitlabHeaders("merge_request")
}
