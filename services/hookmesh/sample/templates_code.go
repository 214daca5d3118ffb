package sample

import (
	"fmt"
	"net/http"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// Code-hosting platforms: Bitbucket, and Linear (issues).

// gitSHA is randid.GitSHA.
var gitSHA = randid.GitSHA

const (
	bitbucketHookUUID = "{cb3b1e8f-2b3f-4c5e-9d8a-7f6e5d4c3b2a}"
)

var bitbucketTemplates = map[string]template{
	"repo:push":           bitbucketPush,
	"pullrequest:created": bitbucketPullRequest,
}

var linearTemplates = map[string]template{
	"Issue.create":   linearEvent("Issue", "create", `{"id": "9cfb482a-81e3-4154-b5b9-2c805e70a02d", "number": 1234, "identifier": "ENG-1234", "title": "Webhook retries double-charge", "description": "Seen twice on order A-1001 after a 502 from the edge.", "priority": 1, "priorityLabel": "Urgent", "estimate": 3, "teamId": "72b2a2dc-6f4f-4423-9d34-24b5bd10634a", "stateId": "6c24b1c8-0a1f-4f3a-9a25-4d9a2b6c7e8f", "creatorId": "2e3d5f1a-8b7c-4d6e-9f0a-1b2c3d4e5f6a", "labelIds": ["f2b8e7c1-2a3b-4c5d-8e9f-0a1b2c3d4e5f"], "createdAt": "%[1]s", "updatedAt": "%[1]s"}`),
	"Comment.create": linearEvent("Comment", "create", `{"id": "0d8c3e9b-7a6f-4e5d-9c8b-1a2b3c4d5e6f", "body": "Reproduced with two parallel deliveries; fix in review.", "issueId": "9cfb482a-81e3-4154-b5b9-2c805e70a02d", "userId": "2e3d5f1a-8b7c-4d6e-9f0a-1b2c3d4e5f6a", "createdAt": "%[1]s", "updatedAt": "%[1]s"}`),
}

const bitbucketActor = `"actor": {"type": "user", "display_name": "Emma", "nickname": "emma", "uuid": "{a54f16da-24e9-4d7f-a3a7-b1ba2cd98aa3}", "account_id": "557058:c0b72ad0-1cb5-4018-9cdc-0cde8492c443"}, "repository": {"type": "repository", "full_name": "team_name/repo_name", "name": "repo_name", "is_private": true, "uuid": "{8e7f6a5b-4c3d-2e1f-0a9b-8c7d6e5f4a3b}", "links": {"html": {"href": "https://bitbucket.org/team_name/repo_name"}}, "workspace": {"type": "workspace", "slug": "team_name", "name": "Team Name", "uuid": "{1b2c3d4e-5f60-4718-92a3-b4c5d6e7f809}"}}`

func bitbucketHeaders(key string) http.Header {
	return http.Header{"X-Event-Key": {key}, "X-Hook-Uuid": {bitbucketHookUUID}, "X-Attempt-Number": {"1"}}
}

func bitbucketPush(_ string, now time.Time) (string, http.Header) {
	head := gitSHA("bitbucket-head")
	return fmt.Sprintf(`{%s, "push": {"changes": [{"new": {"type": "branch", "name": "main", "target": {"type": "commit", "hash": "%s", "date": "%s", "message": "Fix the flaky test\n", "author": {"raw": "Emma <emma@example.com>"}}}, "old": {"type": "branch", "name": "main", "target": {"type": "commit", "hash": "1e65c05c1d5171631d92438a13901ca7dae9618c", "date": "2024-03-07T09:02:45+00:00"}}, "created": false, "forced": false, "closed": false, "truncated": false, "commits": [{"hash": "%s", "type": "commit", "message": "Fix the flaky test\n"}]}]}}`,
		bitbucketActor, head, now.UTC().Format(time.RFC3339), head), bitbucketHeaders("repo:push")
}

func bitbucketPullRequest(_ string, now time.Time) (string, http.Header) {
	ts := now.UTC().Format("2006-01-02T15:04:05.000000-07:00")
	return fmt.Sprintf(`{%s, "pullrequest": {"id": 42, "title": "Add retries to the client", "description": "", "state": "OPEN", "draft": false, "author": {"type": "user", "display_name": "Emma", "nickname": "emma", "uuid": "{a54f16da-24e9-4d7f-a3a7-b1ba2cd98aa3}"}, "created_on": "%s", "updated_on": "%s", "source": {"branch": {"name": "retries"}, "commit": {"hash": "709d658dc5b6"}}, "destination": {"branch": {"name": "main"}, "commit": {"hash": "1e65c05c1d51"}}, "comment_count": 0, "task_count": 0, "close_source_branch": true}}`,
		bitbucketActor, ts, ts), bitbucketHeaders("pullrequest:created")
}

// linearEvent renders a Linear data-change webhook. The body carries
// webhookTimestamp (now, in ms), which Linear's verification checks
// within a minute.
func linearEvent(typ, action, data string) template {
	return func(_ string, now time.Time) (string, http.Header) {
		ts := now.UTC().Format("2006-01-02T15:04:05.000Z")
		return fmt.Sprintf(`{"action": "%s", "type": "%s", "actor": {"id": "2e3d5f1a-8b7c-4d6e-9f0a-1b2c3d4e5f6a", "type": "user", "name": "Ada Lovelace"}, "createdAt": "%s", "data": %s, "url": "https://linear.app/acme/issue/ENG-1234/webhook-retries-double-charge", "organizationId": "3f1c1d9a-6e2b-4c5d-8a7f-0b9e8d7c6b5a", "webhookTimestamp": %d, "webhookId": "000042e3-d123-4980-b49f-8e140eef9329"}`,
			action, typ, ts, fmt.Sprintf(data, ts), now.UnixMilli()), http.Header{"Linear-Event": {typ}}
	}
}
