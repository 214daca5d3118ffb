package bitbucket

import (
	"fmt"
	"net/http"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// bitbucketHookUUID is the fixed hook of the sending repository: a retry
// or a second event carries the same scope, as in production.
const bitbucketHookUUID = "{cb3b1e8f-2b3f-4c5e-9d8a-7f6e5d4c3b2a}"

// samples are the Bitbucket Cloud webhooks `hookmesh send` builds.
var samples = platform.Samples{
	Default:   "repo:push",
	NewID:     func(time.Time) string { return randid.UUID() },
	Templates: templates,
	TypeHeaders: func(typ string) map[string]string {
		return map[string]string{"X-Event-Key": typ, "X-Hook-UUID": bitbucketHookUUID, "X-Attempt-Number": "1"}
	},
	IDHeaders: func(id string) http.Header { return http.Header{"X-Request-Uuid": {id}} },
}

var templates = map[string]platform.Template{
	"repo:push":           bitbucketPush,
	"pullrequest:created": bitbucketPullRequest,
}

const sampleActor = `"actor": {"type": "user", "display_name": "Emma", "nickname": "emma", "uuid": "{a54f16da-24e9-4d7f-a3a7-b1ba2cd98aa3}", "account_id": "557058:c0b72ad0-1cb5-4018-9cdc-0cde8492c443"}, "repository": {"type": "repository", "full_name": "team_name/repo_name", "name": "repo_name", "is_private": true, "uuid": "{8e7f6a5b-4c3d-2e1f-0a9b-8c7d6e5f4a3b}", "links": {"html": {"href": "https://bitbucket.org/team_name/repo_name"}}, "workspace": {"type": "workspace", "slug": "team_name", "name": "Team Name", "uuid": "{1b2c3d4e-5f60-4718-92a3-b4c5d6e7f809}"}}`

func bitbucketHeaders(key string) http.Header {
	return http.Header{"X-Event-Key": {key}, "X-Hook-Uuid": {bitbucketHookUUID}, "X-Attempt-Number": {"1"}}
}

func bitbucketPush(_ string, now time.Time) (string, http.Header) {
	head := randid.GitSHA("bitbucket-head")
	return fmt.Sprintf(`{%s, "push": {"changes": [{"new": {"type": "branch", "name": "main", "target": {"type": "commit", "hash": "%s", "date": "%s", "message": "Fix the flaky test\n", "author": {"raw": "Emma <emma@example.com>"}}}, "old": {"type": "branch", "name": "main", "target": {"type": "commit", "hash": "1e65c05c1d5171631d92438a13901ca7dae9618c", "date": "2024-03-07T09:02:45+00:00"}}, "created": false, "forced": false, "closed": false, "truncated": false, "commits": [{"hash": "%s", "type": "commit", "message": "Fix the flaky test\n"}]}]}}`,
		sampleActor, head, now.UTC().Format(time.RFC3339), head), bitbucketHeaders("repo:push")
}

func bitbucketPullRequest(_ string, now time.Time) (string, http.Header) {
	ts := now.UTC().Format("2006-01-02T15:04:05.000000-07:00")
	return fmt.Sprintf(`{%s, "pullrequest": {"id": 42, "title": "Add retries to the client", "description": "", "state": "OPEN", "draft": false, "author": {"type": "user", "display_name": "Emma", "nickname": "emma", "uuid": "{a54f16da-24e9-4d7f-a3a7-b1ba2cd98aa3}"}, "created_on": "%s", "updated_on": "%s", "source": {"branch": {"name": "retries"}, "commit": {"hash": "709d658dc5b6"}}, "destination": {"branch": {"name": "main"}, "commit": {"hash": "1e65c05c1d51"}}, "comment_count": 0, "task_count": 0, "close_source_branch": true}}`,
		sampleActor, ts, ts), bitbucketHeaders("pullrequest:created")
}
